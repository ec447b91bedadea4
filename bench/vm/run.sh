#!/bin/sh
# bench/vm/run.sh: Pledge's VM beside Lua 5.4 on the same programs, checking
# they give the same answers. Needs hyperfine and lua5.4 (Debian packages);
# prints each tool's mean time, and callgrind's instruction counts, which do
# not vary with the machine's load. Run from the build directory:
#   sh bench/vm/run.sh [path/to/pledge]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pledge=${1:-./pledge}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# stats: a list literal of N numbers, as a rule file would hold one
n=10000
awk -v n=$n 'BEGIN { printf "let xs = ["; for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? ", " : ""), (i * 7919) % 1000; print "]" }' > "$tmp/stats.pledge"

check() {   # name, pledge expression, rules, lua args...
    name=$1 expr=$2 rules=$3; shift 3
    p=$("$pledge" eval --rules "$rules" "$expr")
    l=$(lua5.4 "$@")
    if [ "$p" != "$l" ]; then echo "$name: pledge says $p, lua says $l" >&2; exit 1; fi
    echo "$name: both give $p"
    hyperfine -N -w 2 -r 15 --export-markdown "$tmp/$name.md" \
        "$pledge eval --rules $rules '$expr'" "lua5.4 $*" >/dev/null
    sed -n '3,4p' "$tmp/$name.md"
    for cmd in pledge lua; do
        if [ $cmd = pledge ]; then set -- "$pledge" eval --rules "$rules" "$expr"; else set -- lua5.4 "$@"; fi
    done
}

count() {   # instructions executed, from callgrind
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$@" 2>&1 >/dev/null |
        sed -n 's/.*refs: *//p' | tr -d ,
}

check fib 'fib(30)' "$here/fib.pledge" "$here/fib.lua" 30
check tak 'tak(18, 12, 6)' "$here/tak.pledge" "$here/tak.lua" 18 12 6
printf 'stats: pledge %s\n' "$("$pledge" eval --rules "$tmp/stats.pledge" '[mean(xs), percentile(xs, 10%)]')"
printf 'stats: lua    %s\n' "$(lua5.4 "$here/stats.lua" $n)"
hyperfine -N -w 2 -r 15 --export-markdown "$tmp/stats.md" \
    "$pledge eval --rules $tmp/stats.pledge 'percentile(xs, 10%)'" "lua5.4 $here/stats.lua $n" >/dev/null
sed -n '3,4p' "$tmp/stats.md"

if command -v valgrind >/dev/null; then
    echo "instructions (callgrind): fib(25) pledge $(count "$pledge" eval --rules "$here/fib.pledge" 'fib(25)')," \
         "lua $(count lua5.4 "$here/fib.lua" 25);" \
         "empty run pledge $(count "$pledge" eval '1'), lua $(count lua5.4 -e '')"
fi
