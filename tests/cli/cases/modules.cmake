# --modules: the loaded kernel modules. A triage dump gives the driver list Windows saved in it
# (DUMP_DRIVER_ENTRY64s and their DUMP_STRING names, then the unloaded drivers), on any machine
# type; a kernel or complete dump and a raw image walk PsLoadedModuleList.
dumpprocs_cli_test(NAME modules.triage_x64 ARGS "real/triage_x64.dmp --modules"
                   GOLDEN triage_x64_modules.txt)
dumpprocs_cli_test(NAME modules.triage_x64.json ARGS "real/triage_x64.dmp --modules --format json"
                   STDOUT_CONTAINS "\"start\": \"0xfffff8048b580000\",")
dumpprocs_cli_test(NAME modules.triage_x64.csv ARGS "real/triage_x64.dmp --modules --format csv"
                   STDOUT_CONTAINS "unloaded,0,0xfffff80487de0000,0xfffff80487dfc000,114688,,,dam.sys,")
# ARM64: no process views, but the saved driver list is there to read.
dumpprocs_cli_test(NAME modules.triage_arm64 ARGS "real/triage_arm64.dmp --modules"
                   STDOUT_CONTAINS "dump_storpor  (fills the 12-character field: may be cut)")
dumpprocs_cli_test(NAME modules.triage_arm64.count ARGS "real/triage_arm64.dmp --modules"
                   STDOUT_CONTAINS "(245 entries, complete)")
# --info places the bugcheck parameters: 0x1000007E's exception address lies in amdppm.sys, where
# rizin's symbolised stack of this dump (amdppm!WriteIoMemRawEx+112) puts it too.
dumpprocs_cli_test(NAME modules.triage_info ARGS "real/triage_x64.dmp --info"
                   STDOUT_CONTAINS "Bugcheck in module   parameter 2 0xfffff8048b58334c is amdppm.sys+0x334c")
dumpprocs_cli_test(NAME modules.triage_info.json ARGS "real/triage_x64.dmp --info --format json"
                   STDOUT_CONTAINS "\"bugcheck_parameters\": [\n        null,\n        \"amdppm.sys+0x334c\",")
# PsLoadedModuleList of the samples: ntoskrnl (its PE header gives the stamps) and hal.
dumpprocs_cli_test(NAME modules.win7 ARGS "win7sp1_7601_article.dmp --modules" GOLDEN win7_modules.txt)
dumpprocs_cli_test(NAME modules.win7.json ARGS "win7sp1_7601_article.dmp --modules --format json"
                   STDOUT_CONTAINS "\"stamps_from\": \"PE header\"")
dumpprocs_cli_test(NAME modules.dkom_26100 ARGS "dkom_26100.dmp --modules"
                   STDOUT_CONTAINS "(2 entries, complete)")
