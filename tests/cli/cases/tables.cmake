# The process tables (issue 17): --tree, the filters, the summary line, the columns.
dumpprocs_cli_test(NAME tables.tree ARGS "dkom_19041.dmp --no-scan --tree" GOLDEN dkom_19041_tree.txt)
dumpprocs_cli_test(NAME tables.tree_view ARGS "win7sp1_7601_article.dmp --view active --tree --name s*"
                   GOLDEN win7_active_tree_s.txt)
dumpprocs_cli_test(NAME tables.filter_verdict ARGS "dkom_19041.dmp --no-scan --verdict hidden,TERMINATED"
                   GOLDEN dkom_19041_verdict_filter.txt)
dumpprocs_cli_test(NAME tables.filter_pid_hex ARGS "dkom_19041.dmp --view mm --pid 0x3e4,4"
                   STDOUT_CONTAINS "2 entries shown (of 31): 2 unjudged")
dumpprocs_cli_test(NAME tables.filter_name_json ARGS "dkom_19041.dmp --no-scan --name ROOT* --format json"
                   STDOUT_CONTAINS "\"shown\": 1,\n    \"total\": 32")
dumpprocs_cli_test(NAME tables.summary ARGS "dkom_19041.dmp --no-scan"
                   STDOUT_CONTAINS "32 processes: 25 ok, 4 expected, 2 HIDDEN, 1 TERMINATED")
dumpprocs_cli_test(NAME tables.wide_letters ARGS "dkom_19041.dmp --wide --verdict hidden"
                   GOLDEN dkom_19041_wide_hidden.txt)
dumpprocs_cli_test(NAME tables.bad_verdict ARGS "dkom_19041.dmp --verdict gone" EXIT 2
                   STDERR_CONTAINS "--verdict 'gone' is no verdict")
dumpprocs_cli_test(NAME tables.bad_column ARGS "dkom_19041.dmp --columns pid,colour" EXIT 2
                   STDERR_CONTAINS "--columns: unknown column 'colour'")
dumpprocs_cli_test(NAME tables.filter_not_a_table ARGS "dkom_19041.dmp --info --pid 4" EXIT 2
                   STDERR_CONTAINS "apply to the process tables")
# Names in the system's ANSI code page (issue 17 item 2): テスト.exe shown by its image path,
# 日本語.exe (no image path) escaped, or decoded with --codepage 932; the raw bytes in JSON.
dumpprocs_cli_test(NAME tables.sjis_names ARGS "dkom_26100.dmp --no-scan --pid 584,592"
                   GOLDEN dkom_26100_sjis_names.txt)
dumpprocs_cli_test(NAME tables.codepage_932 ARGS "dkom_26100.dmp --no-scan --pid 584,592 --codepage 932"
                   GOLDEN dkom_26100_codepage_932.txt)
dumpprocs_cli_test(NAME tables.codepage_932_json
                   ARGS "dkom_26100.dmp --view active --pid 592 --codepage cp932 --format json"
                   GOLDEN dkom_26100_codepage_932_active.json)
dumpprocs_cli_test(NAME tables.codepage_unknown ARGS "dkom_26100.dmp --codepage 1200" EXIT 2
                   STDERR_CONTAINS "error: --codepage '1200' is not a code page the tool knows (437, 850")
