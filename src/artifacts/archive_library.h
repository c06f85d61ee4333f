// libarchive, opened the first time a tar.gz archive is packed or unpacked instead of when the
// program starts. Debian's libarchive brings ten more shared libraries (libxml2 and ICU among
// them, for formats Sluice never writes), and loading and relocating them was about a tenth of
// every `sluice` command's start-up, paid by commands that never touch an archive (ADR 0008).
// Included only by the two files that pack and unpack.
#pragma once

#include "base/result.h"

#include <archive.h>
#include <archive_entry.h>

namespace sluice {

// Every libarchive function Sluice calls. A call to one not listed here would link libarchive
// into the program again, so the build fails instead (the library is not linked).
#define SLUICE_LIBARCHIVE_FUNCTIONS(X)     \
  X(archive_entry_filetype)                \
  X(archive_entry_free)                    \
  X(archive_entry_hardlink)                \
  X(archive_entry_new)                     \
  X(archive_entry_pathname)                \
  X(archive_entry_perm)                    \
  X(archive_entry_set_filetype)            \
  X(archive_entry_set_gid)                 \
  X(archive_entry_set_mtime)               \
  X(archive_entry_set_pathname)            \
  X(archive_entry_set_perm)                \
  X(archive_entry_set_size)                \
  X(archive_entry_set_symlink)             \
  X(archive_entry_set_uid)                 \
  X(archive_entry_symlink)                 \
  X(archive_errno)                         \
  X(archive_error_string)                  \
  X(archive_read_data_block)               \
  X(archive_read_free)                     \
  X(archive_read_new)                      \
  X(archive_read_next_header)              \
  X(archive_read_open_filename)            \
  X(archive_read_support_filter_gzip)      \
  X(archive_read_support_format_tar)       \
  X(archive_write_add_filter_gzip)         \
  X(archive_write_close)                   \
  X(archive_write_data)                    \
  X(archive_write_free)                    \
  X(archive_write_header)                  \
  X(archive_write_new)                     \
  X(archive_write_open_fd)                 \
  X(archive_write_set_bytes_in_last_block) \
  X(archive_write_set_filter_option)       \
  X(archive_write_set_format_pax_restricted)

// The functions, typed as <archive.h> declares them; called as `library.archive_write_new()`.
struct ArchiveLibrary {
#define SLUICE_LIBARCHIVE_MEMBER(name) decltype(&::name) name = nullptr;
  SLUICE_LIBARCHIVE_FUNCTIONS(SLUICE_LIBARCHIVE_MEMBER)
#undef SLUICE_LIBARCHIVE_MEMBER
};

// Opens libarchive on the first call; later calls return the same table (never closed) or the
// same error, which names the library and why it could not be used. Thread-safe.
Result<const ArchiveLibrary*> OpenArchiveLibrary();

}  // namespace sluice
