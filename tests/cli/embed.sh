# libvigia embedded: examples/embed/embed.c, built against the library of the build under test
# (the sanitizer build's with clang and the same sanitizers), feeds the monitoring engine three
# windows of clean predictions and then drifted ones; the verdicts must say so.
. "$(dirname "$0")/lib.bash"

BDIR=$(dirname "$VIGIA")
CCMD=(cc)
case $BDIR in *asan*) CCMD=(clang -fsanitize=address,undefined -fno-omit-frame-pointer) ;; esac
if "${CCMD[@]}" -std=c11 -Wall -Wextra -Werror -I"$REPO_DIR/include" -o embed \
    "$REPO_DIR/examples/embed/embed.c" "$BDIR/libvigia.a" \
    $(pkg-config --libs jansson yaml-0.1 zlib) -lpthread -lm 2>cc.err; then
    pass "examples/embed/embed.c builds against $BDIR/libvigia.a"
else
    fail "examples/embed/embed.c builds" "$(head -5 cc.err)"
    finish
fi

awk 'BEGIN { print "amount,channel,prediction";
             for (i = 0; i < 1000; i++)
                 printf "%.2f,%s,%.3f\n", 50 + (i * 7919 % 100), (i % 3) ? "web" : "store", (i % 100) / 100 }' \
    >ref.csv
./embed ref.csv >out.txt 2>err.txt
check_eq "embed: exit status" "$?" 0
check_eq "embed: four windows of 500 rows" "$(grep -c ': 500 rows' out.txt)" 4
check_eq "embed: clean windows do not drift" "$(grep -c '^window [01]: .*reference: no$' out.txt)" 2
check_eq "embed: shifted windows drift" "$(grep -c '^window [23]: .*reference: yes$' out.txt)" 2
./embed >out2.txt 2>err2.txt
check_eq "embed: without a reference, no verdict" "$(grep -c 'reference: n/a$' out2.txt)" 4
check_eq "embed: no sanitizer report" "$(cat err.txt err2.txt | grep -c 'ERROR\|runtime error')" 0
finish
