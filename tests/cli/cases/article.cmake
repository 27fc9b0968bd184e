# The seed article's numbers (data/reference/seed-article.md), end to end through the CLI.
dumpprocs_cli_test(NAME win7.mm ARGS "win7sp1_7601_article.dmp --view mm" GOLDEN win7_mm.txt)
dumpprocs_cli_test(NAME win7.mm.json ARGS "win7sp1_7601_article.dmp --view mm --format json"
                   GOLDEN win7_mm.json)
dumpprocs_cli_test(NAME win7.bitmap.mm ARGS "win7sp1_7601_article_bitmap.dmp --view mm"
                   GOLDEN win7_mm.txt)
dumpprocs_cli_test(NAME win7.diff ARGS "win7sp1_7601_article.dmp --diff active,mm"
                   GOLDEN win7_diff_active_mm.txt)
dumpprocs_cli_test(NAME win7.diff.json
                   ARGS "win7sp1_7601_article.dmp --diff active,mm --format json"
                   GOLDEN win7_diff_active_mm.json)
dumpprocs_cli_test(NAME win7.all ARGS "win7sp1_7601_article.dmp" GOLDEN win7_all.txt)
dumpprocs_cli_test(NAME win7.all.csv ARGS "win7sp1_7601_article.dmp --view all --format csv"
                   GOLDEN win7_all.csv)
dumpprocs_cli_test(NAME win7.cpus ARGS "win7sp1_7601_article.dmp --cpus" GOLDEN win7_cpus.txt)
dumpprocs_cli_test(NAME win7.info ARGS "win7sp1_7601_article.dmp --info" GOLDEN win7_info.txt)
dumpprocs_cli_test(NAME win7.info.json ARGS "win7sp1_7601_article.dmp --info --format json"
                   GOLDEN win7_info.json)
dumpprocs_cli_test(NAME win7.validate.head ARGS "win7sp1_7601_article.dmp --validate-list 0xfffff80003c80ee0"
                   STDOUT_CONTAINS "Found list end after 134 entries (the list head not counted)")
dumpprocs_cli_test(NAME win7.dt.head ARGS "win7sp1_7601_article.dmp --dt _EPROCESS 0xfffff80003c80ac0 *Links"
                   GOLDEN win7_dt_head_links.txt)
dumpprocs_cli_test(NAME win7.show_profile ARGS "win7sp1_7601_article.dmp --show-profile --format json"
                   STDOUT_CONTAINS "\"_EPROCESS.MmProcessLinks\": \"0x420\"")
dumpprocs_cli_test(NAME win81.mm ARGS "win81_9600_article.dmp --view mm" GOLDEN win81_mm.txt)
dumpprocs_cli_test(NAME win81.dt.minimal ARGS "win81_9600_article.dmp --dt _EPROCESS 0xfffff80168956540 mini*"
                   STDOUT_CONTAINS "+0x67c Minimal          : 0y0")
dumpprocs_cli_test(NAME win10.mm ARGS "win10_15063_article.dmp --view mm" GOLDEN win10_mm.txt)
dumpprocs_cli_test(NAME win10.dt.minimal ARGS "win10_15063_article.dmp --dt _EPROCESS 0xfffff800d55efb08 mini*"
                   STDOUT_CONTAINS "+0x6cc Minimal          : 0y1")
dumpprocs_cli_test(NAME win10.info ARGS "win10_15063_article.dmp --info" GOLDEN win10_info.txt)
# The same machine in every container: runs, bitmap and RDMP give the same views.
dumpprocs_cli_test(NAME rdmp8.all ARGS "rdmp8_7601c.dmp --view all" GOLDEN mm428_all.txt)
dumpprocs_cli_test(NAME rdmp9.all ARGS "rdmp9_7601c.dmp --view all" GOLDEN mm428_all.txt)
dumpprocs_cli_test(NAME rdmp9.info ARGS "rdmp9_7601c.dmp --info" STDOUT_CONTAINS "(DumpType 9)")
dumpprocs_cli_test(NAME rdmpa.all ARGS "rdmpa_7601c.dmp --view all" GOLDEN mm428_all.txt)
dumpprocs_cli_test(NAME mm428.all ARGS "win7sp1_7601c_mm428.dmp --view all" GOLDEN mm428_all.txt)
dumpprocs_cli_test(NAME rdmpa.info ARGS "rdmpa_7601c.dmp --info" STDOUT_CONTAINS "(DumpType 10)")
