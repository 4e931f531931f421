# The chart of postern's benchmark, drawn by bench.sh with gnuplot:
# one bar per scenario, how many times better postern did than Dovecot
# in the same run (log scale, 1 = as good), and the issue's target as
# a mark where there is one.  Called with
#   gnuplot -e "datafile='...'; outfile='...'; subtitle='...'" chart.gp
set terminal pngcairo size 1100,640 font "sans,10" noenhanced
set output outfile
stats datafile using 2 nooutput
lo = STATS_min < 0.5 ? STATS_min / 1.6 : 0.25
hi = STATS_max > 4 ? STATS_max * 1.6 : 8
set title "postern vs Dovecot: ratio in postern's favour (>1: postern better)\n".subtitle noenhanced
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y 2
set yrange [lo:hi]
set format y "%g"
set grid ytics
set xtics rotate by -35 nomirror
set key top right
set rmargin 14
set bmargin 11
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "#444444"
plot datafile using 2:xtic(1) title "postern / Dovecot" lc rgb "#3a7bd5", \
     '' using 0:2:(sprintf("%.2f", $2)) with labels offset 0,0.8 notitle, \
     '' using 0:3 with points pt 9 ps 2 lc rgb "#d53a3a" title "target"
