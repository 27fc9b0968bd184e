# The real triage dump (DumpType 4): every view runs over the virtual memory it saved. The lists
# are partial: entries outside the saved ranges are "unsaved" (never HIDDEN), and each view says
# where it had to stop. Exit 3: partial results.
dumpprocs_cli_test(NAME triage.views ARGS "real/triage_x64.dmp" EXIT 3 GOLDEN triage_x64_all.txt
                   STDERR_CONTAINS "view mm is incomplete")
dumpprocs_cli_test(NAME triage.lists ARGS "real/triage_x64.dmp --view active,mm" EXIT 3
                   GOLDEN triage_x64_active_mm.txt)
dumpprocs_cli_test(NAME triage.json ARGS "real/triage_x64.dmp --view all --format json" EXIT 3
                   STDOUT_CONTAINS "\"verdict\": \"unsaved\"")
dumpprocs_cli_test(NAME triage.no_hidden ARGS "real/triage_x64.dmp --fail-on-hidden" EXIT 3)
dumpprocs_cli_test(NAME triage.cid_stops ARGS "real/triage_x64.dmp --view cid" EXIT 3
                   STDERR_CONTAINS "0xfffff8047c6fc5c8 was not saved in the triage dump")
# The saved System _EPROCESS, placed through the saved PRCB's CurrentThread.
dumpprocs_cli_test(NAME triage.dt_saved_process
                   ARGS "real/triage_x64.dmp --dt _EPROCESS 0xffffc08bdce94180 ImageFileName"
                   STDOUT_CONTAINS "\"System\"")
dumpprocs_cli_test(NAME triage.read_unsaved ARGS "real/triage_x64.dmp --read 0xffffc08bdcf0f040"
                   EXIT 3 STDERR_CONTAINS "was not saved in the triage dump")
dumpprocs_cli_test(NAME triage.read_physical ARGS "real/triage_x64.dmp --read 0x1000 --physical"
                   EXIT 1 STDERR_CONTAINS "holds no physical memory")
dumpprocs_cli_test(NAME triage.read_saved ARGS "real/triage_x64.dmp --read 0xfffff8047c61e200 --length 0x10"
                   STDOUT_CONTAINS "fffff804`7c61e200  c8 45 e9 dc 8b c0 ff ff")
