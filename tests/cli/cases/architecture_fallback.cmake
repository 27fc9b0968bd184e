# One fallback rule, always shown by --show-profile (issue 15 item 3): the 26100 row's data has no
# object-header sources, so the sizes the pool scan reads come from the earlier rows that all
# agree, and --show-profile says so in every format.
dumpprocs_cli_test(NAME profile.size_fallback_shown ARGS "dkom_26100.dmp --show-profile"
                   STDOUT_CONTAINS "sizeof(_POOL_HEADER)                             0x0010  (fallback: not in profile 26100, the same in every built-in row up to its build that has it)")
dumpprocs_cli_test(NAME profile.size_fallback_json ARGS "dkom_26100.dmp --show-profile --format json"
                   STDOUT_CONTAINS "\"sizeof(_OBJECT_HEADER_AUDIT_INFO)\": \"not in profile 26100")
dumpprocs_cli_test(NAME profile.size_fallback_csv ARGS "dkom_26100.dmp --show-profile --format csv"
                   STDOUT_CONTAINS "sizeof(_OBJECT_HEADER_QUOTA_INFO),0x20,,")
