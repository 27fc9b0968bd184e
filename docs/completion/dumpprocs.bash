# bash completion for dumpprocs
_dumpprocs() {
    local cur prev
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    local opts="--view --diff --info --read --length --physical --all-fields --cpus --modules
                --validate-list --show-profile --export-isf --dt --format --profile --symbols
                --symbol-path --no-cache --fail-on-hidden --no-scan --color --raw --dtb --trust-header
                --trust-profile --pid --name --verdict --tree --columns --wide --codepage --verbose
                --quiet
                --version --help -v -q -h"
    # The view names come from the binary's --help (its views table), so a new view needs no
    # edit here; the list below is only for a dumpprocs that cannot be run.
    local listed
    listed=$("${COMP_WORDS[0]}" --help 2>/dev/null |
        sed -n 's/.*views to list: \([a-z,]*\) or all.*/\1/p' | head -n 1)
    [[ -n "$listed" ]] || listed="active,mm,cid,thread,scan,kproc,session,handles,csrss,thrdscan,dtb"
    local views="${listed//,/ }"
    case "$prev" in
        --view|--diff)
            # A comma list: the views not named yet; "all" only alone; --diff takes two.
            local prefix="" last="$cur" named="" offer="" v
            if [[ "$cur" == *,* ]]; then prefix="${cur%,*},"; last="${cur##*,}"; fi
            named=",${prefix}"
            if [[ "$prev" == --diff && "$prefix" == *,*,* ]]; then return; fi
            for v in $views; do
                [[ "$named" == *",$v,"* ]] || offer="$offer $v"
            done
            [[ "$prev" == --view && -z "$prefix" ]] && offer="$offer all"
            COMPREPLY=($(compgen -P "$prefix" -W "$offer" -- "$last")); return ;;
        --format) COMPREPLY=($(compgen -W "text json csv jsonl" -- "$cur")); return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --codepage)
            COMPREPLY=($(compgen -W "437 850 866 874 932 936 949 950 1250 1251 1252 1253 1254 1255
                1256 1257 1258 65001" -- "$cur")); return ;;
        --profile)
            COMPREPLY=($(compgen -W "7600 7601a 7601b 7601c 9200 9600a 9600b 10240a 10240b 10586
                14393a 14393b 15063 16299 17134 17763 18362 19041 20348 22000 22621 22631 26100" \
                -- "$cur")); return ;;
        --dt) COMPREPLY=($(compgen -W "_EPROCESS _KPROCESS _ETHREAD _KTHREAD _OBJECT_HEADER
                _HANDLE_TABLE" -- "$cur")); return ;;
        --symbols)
            # Folders (a symbol store, or on the way to the file) and the symbol files in them.
            local had_extglob=0
            shopt -q extglob && had_extglob=1
            shopt -s extglob
            COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.@(json|xz|pdb|PDB|pd_)' -- "$cur"))
            ((had_extglob)) || shopt -u extglob
            return ;;
        --read|--length|--validate-list|--dtb) return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _dumpprocs dumpprocs
