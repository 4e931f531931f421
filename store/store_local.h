/*
 * Between the files of store/, the mail store library of the session
 * processes: the folder lock, file names of messages, the parts of a
 * folder sync that appends, copies and moves reuse, and the index and
 * keyword tables behind the published API of store.h.
 */
#ifndef POSTERN_STORE_LOCAL_H
#define POSTERN_STORE_LOCAL_H

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "buf.h"

#define FOLDER_LOCK		"postern-uidlist.lock"
#define FOLDER_LOCK_WAIT	120	/* seconds */
#define LOCATE_TRIES		3
#define STORE_TMP_PREFIX	"..postern-"	/* never a folder name */
#define STORE_UNIQ_MAX		128	/* a unique base name */
#define STORE_SUBSCRIPTIONS	"subscriptions"

/*
 * Tests only: a test sets store_crash_hook to kill its process at a
 * named step, to check what each crash leaves.  NULL otherwise.
 */
extern void	(*store_crash_hook)(const char *);
#define CRASH_POINT(p)	do {						\
	if (store_crash_hook != NULL)					\
		store_crash_hook(p);					\
} while (0)

/* maildir.c */
int		 folder_lock(struct folder *);
void		 folder_unlock(struct folder *);
struct folder	*folder_open_light(struct store *, const char *);
int		 folder_dir_fd(struct folder *, int);
int		 folder_tmp_fd(struct folder *);
int		 store_msg_name(struct store_msg *, char *, size_t);
int		 store_msg_locate(struct folder *, struct store_msg *);
int		 store_msg_info(struct store_msg *, int, const char *);
int		 store_dirname(const char *, char *, size_t);
int		 store_unique(char *, size_t);
int		 store_mkdir_p(const char *);
DIR		*store_opendir(int, const char *);
int		 store_thread_start(pthread_t *, void *(*)(void *), void *);
void		 store_thread_join(pthread_t);

/* sync.c */
int		 folder_sync_locked(struct folder *, int,
		    struct folder_changes *);
int		 folder_assign_locked(struct folder *, char *const *,
		    const time_t *, const uint64_t *, size_t, uint32_t *);

/* uidlist.c */
int		 uidlist_current(struct folder *);
int		 uidlist_tail(struct folder *);
int		 uidlist_read_tail(struct folder *, size_t *);
int		 uidlist_append_gone(struct folder *, const uint32_t *, size_t);
void		 uidlist_recent_load(struct folder *);
int		 uidlist_recent_save(struct folder *);
int		 uidlist_append(struct folder *, struct store_msg *const *,
		    size_t, int);
void		 uidlist_forget(struct folder *);

/* keywords.c */
int		 keywords_load(struct folder *);
void		 keywords_free(struct folder *);
int		 keywords_remap(struct folder *, const struct folder *,
		    uint64_t, uint64_t *);

/* index.c */
void		 index_close(struct folder *);
int		 index_flush_locked(struct folder *);

/* message.c */
int		 store_fd_map(int, size_t, struct store_map *);
int		 store_msg_open_sized(struct folder *, struct store_msg *,
		    size_t *);
void		 store_msg_unparse(struct store_map *, struct mime_msg *);

/*
 * prefetch.c: the message files of an index build.  A job says what
 * to do for one message (need: STORE_P_ kinds to render; size: count
 * its CRLF size) and gets the result: r 0, or -1 with err; vsize; the
 * renderings at off/len in the arena of the context that ran it.
 */
#define PF_NKINDS	3		/* STORE_R_ENVELOPE to BODYSTRUCTURE */
#define PF_KINDS	(STORE_P_ENVELOPE | STORE_P_BODY | \
			    STORE_P_BODYSTRUCTURE)
#define PF_PARSE	(STORE_P_BODY | STORE_P_BODYSTRUCTURE)
#define PF_THREADS	2		/* the session's and one more */
struct pf_ctx {
	unsigned char	*rbuf;		/* a message's octets, reused */
	size_t		 rbufcap;
	struct buf	 arena;		/* the renderings of its jobs */
};
struct pf_job {
	struct store_msg	*m;
	int			 need;
	int			 size;
	int			 ctx;
	int			 r;
	int			 err;
	uint64_t		 vsize;
	size_t			 off[PF_NKINDS];
	size_t			 len[PF_NKINDS];
};
void		 pf_ctx_init(struct pf_ctx *);
void		 pf_ctx_free(struct pf_ctx *);
void		 pf_render(struct folder *, struct pf_ctx *, struct pf_job *,
		    size_t, int, int);

/* lock.c */
int		 store_write_all(int, const void *, size_t);
char		*store_read_fd(int, size_t, size_t *);

/* append.c */
int		 store_copy_file(int, int, const char *, time_t);

/* folder.c */
int		 store_rmtree(int, const char *, int);

/* maildir.c */
int		 folder_drop_uid(struct folder *, uint32_t);

/* sync.c */
int		 folder_dirs_unchanged(struct folder *);

/* watch.c */
void		 folder_watch_expect_rename(struct folder *, int,
		    const char *, const char *);
void		 folder_watch_expect_unlink(struct folder *, int,
		    const char *);
/* A directory of a folder (STORE_DIR_NEW, _CUR) as a bit, and both. */
#define WATCH_DIR(d)	(1 << (d))
#define WATCH_ALL	(WATCH_DIR(STORE_DIR_NEW) | WATCH_DIR(STORE_DIR_CUR))
/*
 * An event of our own to come, or one of another's kept: a name leaving
 * (IN_MOVED_FROM, IN_DELETE) or entering (IN_MOVED_TO, IN_CREATE) new/
 * or cur/, or touched (IN_ATTRIB).
 */
struct watch_event {
	int		 dir;		/* STORE_DIR_NEW or STORE_DIR_CUR */
	uint32_t	 mask;
	char		 name[NAME_MAX + 1];
};
int		 folder_watch_dirs(struct folder *);
int		 folder_watch_news(struct folder *, const struct watch_event **,
		    size_t *);
int		 folder_watch_pending(struct folder *);
void		 folder_watch_applied(struct folder *);
int		 folder_watch_reset(struct folder *, int);
void		 folder_watch_settled(struct folder *, int);
void		 folder_watch_close(struct folder *);

#endif
