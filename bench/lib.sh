# Copyright 2026 The vigia authors
# SPDX-License-Identifier: Apache-2.0
#
# bench/lib.sh: shell helpers shared by bench/profile and bench/compare (sourced; they expect
# GEN, TIME, tmp and a die function from the script).

# generate FILE ARGS...: runs gen unless FILE exists (written under a temporary name first,
# so that an interrupted run does not leave a truncated file behind).
generate() {
    local file=$1; shift
    if [ ! -s "$file" ]; then
        echo "generating $file ($*)"
        "$GEN" -o "$file.part" "$@"
        mv "$file.part" "$file"
    fi
}

# busy: CPU jiffies spent by the whole machine so far (user nice system irq softirq steal)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
HZ=$(getconf CLK_TCK)

# wait_quiet: with WAIT_QUIET=N, waits up to N seconds for a second in which the machine is
# idle (under 0.1 CPU busy), so that the next run has both cores to itself.
wait_quiet() {
    local deadline b0 b1
    [ "${WAIT_QUIET:-0}" -gt 0 ] || return 0
    deadline=$((SECONDS + WAIT_QUIET))
    while [ "$SECONDS" -lt "$deadline" ]; do
        b0=$(busy); sleep 1; b1=$(busy)
        [ $((b1 - b0)) -ge $((HZ / 10)) ] || return 0
    done
}

# measure CMD...: runs CMD under GNU time; sets M_SEC (wall, ns clock), M_KB (peak RSS),
# M_CPU (user + system seconds) and M_OTHER (CPUs that other processes kept busy meanwhile,
# on average). Output of CMD goes to $tmp/cmd.out.
measure() {
    local t0 t1 b0 b1
    wait_quiet
    b0=$(busy)
    t0=$(date +%s%N)
    if ! "$TIME" -o "$tmp/time" -f '%e %M %U %S' "$@" >"$tmp/cmd.out" 2>"$tmp/cmd.err"; then
        cat "$tmp/cmd.err" >&2
        die "failed: $*"
    fi
    t1=$(date +%s%N)
    b1=$(busy)
    M_SEC=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    read -r _ M_KB u s <"$tmp/time"
    M_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    M_OTHER=$(awk -v b="$((b1 - b0))" -v hz="$HZ" -v c="$M_CPU" -v w="$M_SEC" \
        'BEGIN { o = (b / hz - c) / w; printf "%.2f", o < 0 ? 0 : o }')
}

# stats: prints "median best" of the numbers on standard input, one a line
stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f %.3f\n", m, v[1] }'
}

