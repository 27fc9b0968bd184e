# Inputs that cannot be used: clear messages and documented exit codes.
dumpprocs_cli_test(NAME err.missing ARGS "no-such-file.dmp" EXIT 1 STDERR_CONTAINS "cannot open")
dumpprocs_cli_test(NAME err.directory ARGS "golden" EXIT 1
                   STDERR_CONTAINS "golden is a directory with no dump files")
dumpprocs_cli_test(NAME err.not_a_dump ARGS "README.md" EXIT 1
                   STDERR_CONTAINS "not a Windows crash dump: first bytes")
dumpprocs_cli_test(NAME err.arm64 ARGS "real/triage_arm64.dmp --view mm" EXIT 1
                   STDERR_CONTAINS "x64 kernels only")
dumpprocs_cli_test(NAME info.triage_x64 ARGS "real/triage_x64.dmp --info" GOLDEN triage_x64_info.txt)
dumpprocs_cli_test(NAME info.triage_arm64 ARGS "real/triage_arm64.dmp --info --format json"
                   STDOUT_CONTAINS "\"machine\": \"ARM64\"")
dumpprocs_cli_test(NAME err.usage ARGS "win7sp1_7601_article.dmp --view bogus" EXIT 2
                   STDERR_CONTAINS "unknown view")
dumpprocs_cli_test(NAME err.two_modes ARGS "win7sp1_7601_article.dmp --info --cpus" EXIT 2)
dumpprocs_cli_test(NAME err.bad_profile ARGS "win7sp1_7601_article.dmp --profile nope" EXIT 2
                   STDERR_CONTAINS "unknown profile")
