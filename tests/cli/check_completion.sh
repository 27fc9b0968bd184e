#!/bin/bash
# The bash completion (docs/completion/dumpprocs.bash) on a scratch tree: --symbols offers folders
# to descend into, and a view list never offers a view it already names.
set -u
source "$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" && mkdir -p store/sub && touch store/ntkrnlmp.pdb store/notes.txt k.json.xz
fail=0
complete_line() { # words...: COMPREPLY for the last word, sorted, one line
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    _dumpprocs
    ((${#COMPREPLY[@]})) || return 0
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
expect() { # what got want
    if [[ "$2" != "$3" ]]; then echo "FAIL $1: got '$2', want '$3'"; fail=1; fi
}
expect "--symbols ''" "$(complete_line dumpprocs d.dmp --symbols '')" "k.json.xz store "
expect "--symbols store/" "$(complete_line dumpprocs d.dmp --symbols store/)" "store/ntkrnlmp.pdb store/sub "
expect "--view active," "$(complete_line dumpprocs d.dmp --view active,)" \
    "active,cid active,csrss active,dtb active,handles active,kproc active,mm active,scan active,session active,thrdscan active,thread "
expect "--view act" "$(complete_line dumpprocs d.dmp --view act)" "active "
expect "--diff mm,a" "$(complete_line dumpprocs d.dmp --diff mm,a)" "mm,active "
expect "--diff a,b," "$(complete_line dumpprocs d.dmp --diff active,mm,)" ""
expect "--view all" "$(complete_line dumpprocs d.dmp --view al)" "all "
exit $fail
