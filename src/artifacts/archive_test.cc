#include "artifacts/archive.h"

#include "artifacts/file_io.h"
#include "artifacts/testing/temp_directory.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <sys/stat.h>

namespace sluice {
namespace {

using testing::ReadTestFile;
using testing::WriteTestFile;

// One entry of a hand-made archive; tests build hostile ones that PackTarGz never would.
struct TestEntry {
  std::string name;
  mode_t type = AE_IFREG;
  std::string contents;
  std::string link;  // symbolic link target, or hard link target when `is_hard_link`
  bool is_hard_link = false;
};

TestEntry File(std::string name, std::string contents) {
  return TestEntry{std::move(name), AE_IFREG, std::move(contents), "", false};
}
TestEntry Symlink(std::string name, std::string target) {
  return TestEntry{std::move(name), AE_IFLNK, "", std::move(target), false};
}
TestEntry HardLink(std::string name, std::string target) {
  return TestEntry{std::move(name), AE_IFREG, "", std::move(target), true};
}
TestEntry Special(std::string name, mode_t type) {
  return TestEntry{std::move(name), type, "", "", false};
}

void BuildArchive(const std::filesystem::path& file, const std::vector<TestEntry>& entries) {
  struct archive* writer = archive_write_new();
  archive_write_add_filter_gzip(writer);
  archive_write_set_format_pax_restricted(writer);
  ASSERT_EQ(archive_write_open_filename(writer, file.c_str()), ARCHIVE_OK);
  for (const TestEntry& spec : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, spec.name.c_str());
    archive_entry_set_filetype(entry, spec.type);
    archive_entry_set_perm(entry, 0644);
    if (spec.is_hard_link) {
      archive_entry_set_hardlink(entry, spec.link.c_str());
    } else if (spec.type == AE_IFLNK) {
      archive_entry_set_symlink(entry, spec.link.c_str());
    }
    if (spec.type == AE_IFREG && !spec.is_hard_link) {
      archive_entry_set_size(entry, static_cast<la_int64_t>(spec.contents.size()));
    }
    ASSERT_EQ(archive_write_header(writer, entry), ARCHIVE_OK) << archive_error_string(writer);
    if (!spec.contents.empty()) {
      archive_write_data(writer, spec.contents.data(), spec.contents.size());
    }
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
}

// "file <mode> <contents>", "dir <mode>" or "link -> <target>" for every entry, in order.
std::vector<std::string> Describe(const std::filesystem::path& directory) {
  auto entries = WalkTree(directory);
  EXPECT_TRUE(entries.has_value()) << entries.error().ToString();
  std::vector<std::string> described;
  for (const TreeEntry& entry : entries.has_value() ? *entries : std::vector<TreeEntry>{}) {
    const std::filesystem::path path = directory / entry.relative_path;
    struct stat status;
    ::lstat(path.c_str(), &status);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", status.st_mode & 07777);
    switch (entry.kind) {
      case EntryKind::kFile:
        described.push_back(entry.relative_path + " file " + mode + " " + ReadTestFile(path));
        break;
      case EntryKind::kDirectory:
        described.push_back(entry.relative_path + " dir " + mode);
        break;
      case EntryKind::kSymlink:
        described.push_back(entry.relative_path + " link -> " +
                            std::filesystem::read_symlink(path).string());
        break;
      case EntryKind::kOther:
        described.push_back(entry.relative_path + " other");
        break;
    }
  }
  return described;
}

// "<name> <permissions> <uid>:<gid> <mtime>" for every entry of a tar.gz archive.
std::vector<std::string> Headers(const std::filesystem::path& file) {
  std::vector<std::string> headers;
  struct archive* reader = archive_read_new();
  archive_read_support_filter_gzip(reader);
  archive_read_support_format_tar(reader);
  EXPECT_EQ(archive_read_open_filename(reader, file.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    char permissions[8];
    std::snprintf(permissions, sizeof permissions, "%03o", archive_entry_perm(entry));
    headers.push_back(std::string(archive_entry_pathname(entry)) + " " + permissions + " " +
                      std::to_string(archive_entry_uid(entry)) + ":" +
                      std::to_string(archive_entry_gid(entry)) + " " +
                      std::to_string(archive_entry_mtime(entry)));
  }
  archive_read_free(reader);
  return headers;
}

std::string RunCommand(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return "cannot run " + command;
  std::string output;
  char buffer[4096];
  while (size_t count = std::fread(buffer, 1, sizeof buffer, pipe.get())) {
    output.append(buffer, count);
  }
  return output;
}

class ArchiveTest : public ::testing::Test {
 protected:
  std::filesystem::path Path(std::string_view name) const { return temp_.path() / name; }

  void MakeModelDirectory() {
    WriteTestFile(Path("model/model.joblib"), std::string("\x80\x04weights\0\xff", 11));
    WriteTestFile(Path("model/code/inference.py"), "def model_fn(d):\n    pass\n");
    WriteTestFile(Path("model/code/run.sh"), "#!/bin/sh\n");
    WriteTestFile(Path("model/empty.txt"), "");
    WriteTestFile(Path("model/read-only.cfg"), "x=1\n");
    std::filesystem::create_directories(Path("model/empty-directory"));
    std::filesystem::create_symlink("code/inference.py", Path("model/entry.py"));
    std::filesystem::permissions(Path("model/model.joblib"), std::filesystem::perms(0644));
    std::filesystem::permissions(Path("model/code/run.sh"), std::filesystem::perms(0755));
    std::filesystem::permissions(Path("model/read-only.cfg"), std::filesystem::perms(0444));
    std::filesystem::permissions(Path("model/empty-directory"), std::filesystem::perms(0700));
  }

  std::string UnpackError(const std::vector<TestEntry>& entries) {
    BuildArchive(Path("hostile.tar.gz"), entries);
    auto unpacked = UnpackTarGz(Path("hostile.tar.gz"), Path("destination"));
    EXPECT_FALSE(unpacked.has_value());
    return unpacked.has_value() ? "unpacked" : unpacked.error().ToString();
  }

  testing::TempDirectory temp_;
};

TEST_F(ArchiveTest, PackThenUnpackReproducesTheTree) {
  MakeModelDirectory();
  ASSERT_TRUE(PackTarGz(Path("model"), Path("model.tar.gz")));
  auto unpacked = UnpackTarGz(Path("model.tar.gz"), Path("unpacked"));
  ASSERT_TRUE(unpacked.has_value()) << unpacked.error().ToString();
  EXPECT_EQ(Describe(Path("unpacked")), Describe(Path("model")));
  EXPECT_EQ(Describe(Path("unpacked")).size(), 8u);
}

TEST_F(ArchiveTest, PacksNamesRelativeToTheDirectoryAsTarListsThem) {
  MakeModelDirectory();
  ASSERT_TRUE(PackTarGz(Path("model"), Path("model.tar.gz")));
  EXPECT_EQ(RunCommand("tar tzf " + Path("model.tar.gz").string()),
            "code/\n"
            "code/inference.py\n"
            "code/run.sh\n"
            "empty-directory/\n"
            "empty.txt\n"
            "entry.py\n"
            "model.joblib\n"
            "read-only.cfg\n");
}

TEST_F(ArchiveTest, PacksTheSameTreeToTheSameBytes) {
  MakeModelDirectory();
  ASSERT_TRUE(PackTarGz(Path("model"), Path("first.tar.gz")));
  std::filesystem::last_write_time(
      Path("model/model.joblib"),
      std::filesystem::file_time_type::clock::now() - std::chrono::hours(48));
  ASSERT_TRUE(PackTarGz(Path("model"), Path("second.tar.gz")));
  const std::string first = ReadTestFile(Path("first.tar.gz"));
  EXPECT_EQ(first, ReadTestFile(Path("second.tar.gz")));
  // The gzip header's MTIME field (bytes 4 to 7) is zero.
  ASSERT_GT(first.size(), 10u);
  EXPECT_EQ(first.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(first.substr(4, 4), std::string(4, '\0'));
  EXPECT_EQ(Headers(Path("first.tar.gz")),
            (std::vector<std::string>{"code/ 755 0:0 0", "code/inference.py 644 0:0 0",
                                      "code/run.sh 755 0:0 0", "empty-directory/ 700 0:0 0",
                                      "empty.txt 644 0:0 0", "entry.py 777 0:0 0",
                                      "model.joblib 644 0:0 0", "read-only.cfg 444 0:0 0"}));
}

TEST_F(ArchiveTest, KeepsNamesOutsideAscii) {
  WriteTestFile(Path("data/donn\u00e9es/\u6a21\u578b.bin"), "bytes");
  ASSERT_TRUE(PackTarGz(Path("data"), Path("data.tar.gz")));
  auto unpacked = UnpackTarGz(Path("data.tar.gz"), Path("unpacked"));
  ASSERT_TRUE(unpacked.has_value()) << unpacked.error().ToString();
  EXPECT_EQ(ReadTestFile(Path("unpacked/donn\u00e9es/\u6a21\u578b.bin")), "bytes");
}

TEST_F(ArchiveTest, RefusesToPackIntoTheDirectoryItself) {
  MakeModelDirectory();
  auto packed = PackTarGz(Path("model"), Path("model/model.tar.gz"));
  ASSERT_FALSE(packed.has_value());
  EXPECT_EQ(packed.error().ToString(),
            Path("model/model.tar.gz").string() +
                ": the archive would be inside the directory it packs, \"" +
                Path("model").string() + "\"");
}

TEST_F(ArchiveTest, RefusesToPackAMissingDirectory) {
  auto packed = PackTarGz(Path("absent"), Path("out.tar.gz"));
  ASSERT_FALSE(packed.has_value());
  EXPECT_EQ(packed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(packed.error().ToString(),
            Path("absent").string() + ": cannot pack: No such file or directory");
}

TEST_F(ArchiveTest, UnpacksArchivesWhoseNamesStartWithDotSlash) {
  WriteTestFile(Path("source/train.py"), "print('train')\n");
  WriteTestFile(Path("source/lib/util.py"), "");
  ASSERT_EQ(
      RunCommand("tar czf " + Path("sourcedir.tar.gz").string() + " -C " + Path("source").string() +
                 " . && tar tzf " + Path("sourcedir.tar.gz").string() + " | head -1"),
      "./\n");
  auto unpacked = UnpackTarGz(Path("sourcedir.tar.gz"), Path("code"));
  ASSERT_TRUE(unpacked.has_value()) << unpacked.error().ToString();
  EXPECT_EQ(ReadTestFile(Path("code/train.py")), "print('train')\n");
  EXPECT_TRUE(std::filesystem::is_regular_file(Path("code/lib/util.py")));
}

TEST_F(ArchiveTest, KeepsLinksThatStayInside) {
  auto unpacked = [&] {
    BuildArchive(
        Path("links.tar.gz"),
        {File("lib/libx.so.1", "elf"), Symlink("lib/libx.so", "libx.so.1"),
         Symlink("bin/libx.so", "../lib/libx.so.1"), HardLink("lib/copy.so", "lib/libx.so.1")});
    return UnpackTarGz(Path("links.tar.gz"), Path("destination"));
  }();
  ASSERT_TRUE(unpacked.has_value()) << unpacked.error().ToString();
  EXPECT_EQ(ReadTestFile(Path("destination/bin/libx.so")), "elf");
  EXPECT_EQ(ReadTestFile(Path("destination/lib/copy.so")), "elf");
}

TEST_F(ArchiveTest, RefusesEntriesThatLeaveTheDirectory) {
  const std::string where = Path("hostile.tar.gz").string() + ": ";
  EXPECT_EQ(UnpackError({File("../evil.txt", "x")}),
            where +
                "entry \"../evil.txt\" has a \"..\" segment, which would leave the "
                "destination directory");
  EXPECT_EQ(UnpackError({File("ok/../../evil.txt", "x")}),
            where +
                "entry \"ok/../../evil.txt\" has a \"..\" segment, which would leave the "
                "destination directory");
  const std::string absolute = Path("evil.txt").string();
  EXPECT_EQ(UnpackError({File(absolute, "x")}),
            where + "entry \"" + absolute +
                "\" is an absolute path; expected a path relative to the archive's root");
  EXPECT_FALSE(std::filesystem::exists(Path("evil.txt")));
}

TEST_F(ArchiveTest, RefusesSymbolicLinksThatLeaveTheDirectory) {
  const std::string where = Path("hostile.tar.gz").string() + ": ";
  EXPECT_EQ(UnpackError({Symlink("etc", "/etc")}),
            where +
                "entry \"etc\" is a symbolic link to \"/etc\", which leaves the destination "
                "directory");
  EXPECT_EQ(UnpackError({Symlink("a/up", "../../outside")}),
            where +
                "entry \"a/up\" is a symbolic link to \"../../outside\", which leaves the "
                "destination directory");
  // While "here" does not exist "here/../x" looks like "x"; once "here" -> "." is extracted it
  // means "../x".
  EXPECT_EQ(UnpackError({Symlink("escape", "here/../x"), Symlink("here", ".")}),
            where +
                "entry \"escape\" is a symbolic link to \"here/../x\", which leaves the "
                "destination directory");
  EXPECT_EQ(UnpackError({Symlink("dir", "."), File("dir/file", "x")}),
            where + "entry \"dir/file\" would be written through the symbolic link \"dir\"");
  EXPECT_FALSE(std::filesystem::exists(Path("x")));
}

TEST_F(ArchiveTest, FollowsLinksAlreadyInTheDestinationWhenCheckingTargets) {
  std::filesystem::create_directories(Path("outside"));
  std::filesystem::create_directories(Path("destination"));
  std::filesystem::create_directory_symlink(Path("outside"), Path("destination/out"));
  const std::string where = Path("hostile.tar.gz").string() + ": ";
  EXPECT_EQ(UnpackError({Symlink("secret", "out/secret")}),
            where +
                "entry \"secret\" is a symbolic link to \"out/secret\", which leaves the "
                "destination directory");
  EXPECT_EQ(UnpackError({File("out/planted", "x")}),
            where + "entry \"out/planted\" would be written through the symbolic link \"out\"");
  EXPECT_TRUE(std::filesystem::is_empty(Path("outside")));
}

TEST_F(ArchiveTest, RefusesHardLinksToOutsideAndSpecialFiles) {
  const std::string where = Path("hostile.tar.gz").string() + ": ";
  EXPECT_EQ(UnpackError({HardLink("passwd", "../../etc/passwd")}),
            where +
                "entry \"passwd\" is a hard link to \"../../etc/passwd\", which leaves the "
                "destination directory");
  EXPECT_EQ(UnpackError({Special("null", AE_IFCHR)}),
            where +
                "entry \"null\" is a character device; expected a file, a directory or a "
                "symbolic link");
  EXPECT_EQ(UnpackError({Special("pipe", AE_IFIFO)}),
            where + "entry \"pipe\" is a FIFO; expected a file, a directory or a symbolic link");
}

TEST_F(ArchiveTest, ReportsArchivesThatCannotBeRead) {
  auto missing = UnpackTarGz(Path("absent.tar.gz"), Path("destination"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().ToString(),
            Path("absent.tar.gz").string() + ": cannot open: No such file or directory");
  WriteTestFile(Path("plain.txt"), "not an archive at all, just some text\n");
  auto garbage = UnpackTarGz(Path("plain.txt"), Path("destination"));
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(garbage.error().ToString(),
            Path("plain.txt").string() +
                ": cannot open as a tar.gz archive: Unrecognized archive "
                "format");
}

}  // namespace
}  // namespace sluice
