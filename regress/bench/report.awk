# The report of postern's benchmark, run by bench.sh after the runs:
# reads the table of rows (ROWS, one per line: raw-id key better unit
# target title...) and the raw results (RAW: raw-id run server
# "result ..." or "na reason"), and prints the table of medians, spreads
# and ratios; writes the same as CSV (csv=) and the ratios for the chart
# (dat=), one line per main row.  The ratio is always "how many times better postern is":
# postern/Dovecot for rates, Dovecot/postern for times and memory.

function field(line, key,    i, n, parts, kv) {
	n = split(line, parts, " ")
	for (i = 1; i <= n; i++) {
		if (index(parts[i], key "=") == 1)
			return substr(parts[i], length(key) + 2)
	}
	return ""
}

function errtext(line,    i) {
	i = index(line, "error=\"")
	if (i == 0)
		return ""
	line = substr(line, i + 7)
	sub(/".*/, "", line)
	return line
}

# sort v[1..n] (insertion sort: three runs)
function sortv(v, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = v[i]
		for (j = i - 1; j >= 1 && v[j] + 0 > t + 0; j--)
			v[j + 1] = v[j]
		v[j + 1] = t
	}
}

function fmt(x) {
	if (x >= 100)
		return sprintf("%.0f", x)
	if (x >= 10)
		return sprintf("%.1f", x)
	return sprintf("%.2f", x)
}

# median, min, max of server s for row r: sets M, MIN, MAX, N, NOTE
function stats(r, s,    id, key, i, n, v, line, x) {
	id = rid[r]
	key = rkey[r]
	n = 0
	NOTE = ""
	for (i = 1; i <= nraw; i++) {
		if (raw_id[i] != id || raw_srv[i] != s)
			continue
		line = raw_line[i]
		if (line ~ /^na /) {
			NOTE = "n/a: " substr(line, 4)
			continue
		}
		x = field(line, key)
		if (x == "" || field(line, "ok") == "0" ||
		    field(line, "failed") == "1") {
			if (NOTE == "")
				NOTE = "failed: " errtext(line)
			continue
		}
		v[++n] = x
	}
	N = n
	if (n == 0)
		return 0
	sortv(v, n)
	MIN = v[1]
	MAX = v[n]
	M = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	return 1
}

# A long reason goes below the table, the cell keeps its number.
function noteref(note,    kind, text) {
	kind = note
	sub(/:.*/, "", kind)
	text = note
	sub(/^[^:]*: */, "", text)
	if (!(text in noteidx)) {
		noteidx[text] = ++nnotes
		notes[nnotes] = text
	}
	return kind " [" noteidx[text] "]"
}

function cell(ok, m, mn, mx, note) {
	if (!ok)
		return note == "" ? "no result" : noteref(note)
	if (m + 0 == 0)
		return fmt(m)
	return sprintf("%s +-%.0f%%", fmt(m), (mx - mn) / m * 100 / 2)
}

BEGIN {
	FS = "\n"
	nnotes = 0
	nrow = 0
	while ((getline line < rows) > 0) {
		if (line ~ /^#/ || line ~ /^[ \t]*$/)
			continue
		split(line, p, " ")
		nrow++
		rid[nrow] = p[1]
		rkey[nrow] = p[2]
		rbetter[nrow] = p[3]
		runit[nrow] = p[4]
		rtarget[nrow] = p[5]
		t = line
		for (k = 1; k <= 5; k++)
			sub(/^[^ ]+ +/, "", t)
		if (t ~ /^~/)
			t = "  " substr(t, 2)
		rtitle[nrow] = t
	}
	nraw = 0
	while ((getline line < raw) > 0) {
		split(line, p, " ")
		nraw++
		raw_id[nraw] = p[1]
		raw_run[nraw] = p[2]
		raw_srv[nraw] = p[3]
		t = line
		for (k = 1; k <= 3; k++)
			sub(/^[^ ]+ +/, "", t)
		raw_line[nraw] = t
	}

	printf("scenario,metric,unit,better,postern_median,postern_min," \
	    "postern_max,postern_runs,dovecot_median,dovecot_min," \
	    "dovecot_max,dovecot_runs,ratio,target,target_met,note," \
	    "machine\n") > csv

	printf("%-38s %-9s %-24s %-24s %-8s %s\n", "scenario", "unit",
	    "postern", "Dovecot", "ratio", "target")
	printf("%-38s %-9s %-24s %-24s %-8s %s\n", "--------", "----",
	    "-------", "-------", "-----", "------")
	for (r = 1; r <= nrow; r++) {
		okp = stats(r, "postern")
		mp = M; minp = MIN; maxp = MAX; np = N; notep = NOTE
		okd = stats(r, "dovecot")
		md = M; mind = MIN; maxd = MAX; nd = N; noted = NOTE
		if (!okp && !okd && notep == "" && noted == "")
			continue	# not run (ONLY=, or SCALE=0)
		ratio = ""
		if (okp && okd && mp > 0 && md > 0 && rbetter[r] != "-")
			ratio = rbetter[r] == "high" ? mp / md : md / mp
		target = rtarget[r] == "-" ? "" : rtarget[r]
		met = ""
		if (target != "" && ratio != "")
			met = ratio >= target ? "met" : "MISSED"
		else if (target != "")
			met = "n/a"
		printf("%-38s %-9s %-24s %-24s %-8s %s\n", rtitle[r],
		    runit[r], cell(okp, mp, minp, maxp, notep),
		    cell(okd, md, mind, maxd, noted),
		    ratio == "" ? "n/a" : sprintf("%.2fx", ratio),
		    target == "" ? "" : sprintf(">=%sx %s", target, met))
		note = notep != "" ? "postern " notep : ""
		if (noted != "")
			note = note (note == "" ? "" : "; ") "Dovecot " noted
		gsub(/"/, "'", note)
		printf("%s,%s,%s,%s,%s,%s,%s,%d,%s,%s,%s,%d,%s,%s,%s,\"%s\"," \
		    "\"%s\"\n", rid[r], rkey[r], runit[r], rbetter[r],
		    okp ? mp : "", okp ? minp : "", okp ? maxp : "", np,
		    okd ? md : "", okd ? mind : "", okd ? maxd : "", nd,
		    ratio == "" ? "" : sprintf("%.3f", ratio), target, met,
		    note, machine) > csv
		if (ratio != "" && rtitle[r] !~ /^  /) {
			t = rtitle[r]
			gsub(/"/, "", t)
			printf("\"%s\" %.4f %s\n", t, ratio,
			    target == "" ? "NaN" : target) > dat
		}
	}
	close(csv)
	close(dat)
	if (nnotes > 0)
		print ""
	for (i = 1; i <= nnotes; i++)
		printf("[%d] %s\n", i, notes[i])

	# Runs that did not go cleanly: a number is only as good as this.
	first = 1
	for (i = 1; i <= nraw; i++) {
		line = raw_line[i]
		e = field(line, "errors")
		f = field(line, "failed")
		if (line ~ /^na / || (e + 0 == 0 && f + 0 == 0 &&
		    field(line, "ok") != "0"))
			continue
		if (first) {
			print ""
			print "runs with errors:"
			first = 0
		}
		msg = errtext(line)
		printf("  %s #%s %s: %s%s%s\n", raw_id[i], raw_run[i],
		    raw_srv[i],
		    e + 0 > 0 ? e " errors" : "",
		    f + 0 > 0 ? (e + 0 > 0 ? ", " : "") f " failed" : "",
		    msg == "" ? "" : " (first: " msg ")")
	}
}
