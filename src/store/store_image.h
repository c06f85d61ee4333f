// The empty metadata store of the current schema, as file contents: produced at build time by
// store_image_main.cc, which applies the migrations to a new file, so the two cannot disagree.
// Only the parts of the file that are not zeros are kept.
#pragma once

#include "base/result.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace sluice {

struct StoreImagePiece {
  uint64_t file_offset;
  uint32_t byte_offset;  // into StoreImage::bytes
  uint32_t size;
};

struct StoreImage {
  uint64_t file_size;
  const unsigned char* bytes;
  const StoreImagePiece* pieces;
  size_t piece_count;
};

// Defined in the generated empty_store_image.cc.
const StoreImage& EmptyStoreImage();

// Writes the empty store at `file` unless something is there already. The file appears whole or
// not at all (written into a file with no name, O_TMPFILE, then linked into place; where the
// file system has no such files, written beside it under a name of its own), so a concurrent
// opener never reads a partial store, and a process killed meanwhile leaves nothing behind. `sync`
// makes it durable before it appears. True when this call placed it, false when another process's
// store was there first.
Result<bool> CreateFromEmptyStoreImage(const std::filesystem::path& file, bool sync);

}  // namespace sluice
