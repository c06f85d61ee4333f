// gzip-compressed tar archives as SageMaker uses them: model.tar.gz and output.tar.gz packed from
// /opt/ml/model and /opt/ml/output/data, and the sourcedir.tar.gz code archives the SDK uploads.
// Stateless; safe to call from several threads at once.
#pragma once

#include "base/result.h"

#include <filesystem>

namespace sluice {

// Packs what is below `directory` into `output`. Entry names are relative to the directory with no
// leading "./", as the SDK's archives have them ("model.joblib", "code/", "code/inference.py");
// entries are sorted by name, so a directory precedes its contents. Permission bits are kept;
// owners are 0:0, times are 0 and the gzip header has no time stamp, so one tree always packs to
// the same bytes. Symbolic links are stored as links. Fails on sockets, FIFOs and devices, and
// when `output` would lie inside `directory`. `output` is written atomically. Files named as
// partially written copies (".sluice-partial-*", see file_io.h) are left out.
Result<void> PackTarGz(const std::filesystem::path& directory, const std::filesystem::path& output);

// Extracts `archive` into `directory`, creating it. Refuses, naming the archive and the entry,
// anything that could reach outside the directory: absolute names, ".." segments, entries written
// through a symbolic link, symbolic links whose target leaves the directory, hard links to
// outside, and devices or FIFOs. A leading "./" is accepted. Permission bits are kept without
// setuid, setgid and sticky bits; owners and times are not restored. After a failure the
// directory may hold the entries before the refused one, and nothing outside it is touched.
Result<void> UnpackTarGz(const std::filesystem::path& archive,
                         const std::filesystem::path& directory);

}  // namespace sluice
