{#- Files of a directory table (the event stream) the structural pre-flight set aside as unreadable
    (macros/raw_preflight.sql): the table loads from its other files, and each one set aside is listed
    here with its path, so it can be re-landed. A file of a single-file table with a problem stops the
    run before any model, so every problem `audit_raw_file_checks` records is a file set aside. -#}
with

checked_files as (
    select * from {{ ref('audit_raw_file_checks') }}
),

final as (
    select
        source_table,
        file_path,
        problem as reason
    from checked_files
    where problem is not null
)

select * from final
