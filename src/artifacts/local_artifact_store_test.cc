#include "artifacts/local_artifact_store.h"

#include "artifacts/file_io.h"
#include "artifacts/testing/temp_directory.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace sluice {
namespace {

using testing::ReadTestFile;
using testing::WriteTestFile;

constexpr std::string_view kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kAaaaSha256 =
    "61be55a8e2f6b4e172338bddf184d6dbee29c98853e0a0485ecee7f27b9af0b4";
constexpr std::string_view kBbbbSha256 =
    "81cc5b17018674b401b42f35ba07bb79e211239c23bffe658da1577e3e646877";

// Far enough ahead that every file written by a test counts as settled, so digests are cached.
TimePoint FarFuture() { return TimePoint(std::chrono::hours(24 * 365 * 200)); }

class LocalArtifactStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path Root() const { return temp_.path() / "objects"; }
  std::filesystem::path Local(std::string_view name) const { return temp_.path() / name; }

  void Write(std::string_view uri, std::string_view contents) {
    auto written = store_.WriteObject(uri, contents);
    ASSERT_TRUE(written.has_value()) << written.error().ToString();
  }
  std::string Read(std::string_view uri) {
    auto contents = store_.ReadObject(uri);
    EXPECT_TRUE(contents.has_value()) << contents.error().ToString();
    return contents.has_value() ? *contents : "";
  }
  std::vector<std::string> ListedUris(std::string_view prefix) {
    auto objects = store_.List(prefix);
    EXPECT_TRUE(objects.has_value()) << objects.error().ToString();
    std::vector<std::string> uris;
    if (objects.has_value()) {
      for (const ObjectInfo& object : *objects) uris.push_back(object.uri);
    }
    return uris;
  }
  std::vector<std::string> FilesBelow(const std::filesystem::path& directory) {
    auto entries = WalkTree(directory);
    EXPECT_TRUE(entries.has_value()) << entries.error().ToString();
    std::vector<std::string> files;
    if (entries.has_value()) {
      for (const TreeEntry& entry : *entries) {
        if (entry.kind == EntryKind::kFile) files.push_back(entry.relative_path);
      }
    }
    return files;
  }

  testing::TempDirectory temp_;
  ManualClock clock_{FarFuture()};
  LocalArtifactStore store_{Root(), clock_};
};

template <class T>
Error ErrorOf(const Result<T>& result) {
  EXPECT_FALSE(result.has_value());
  return result.has_value() ? Error{} : result.error();
}

TEST_F(LocalArtifactStoreTest, KeepsAnObjectAsAFileBelowItsBucket) {
  Write("s3://bucket/data/train.csv", "1,2,3\n");
  EXPECT_EQ(ReadTestFile(Root() / "bucket/data/train.csv"), "1,2,3\n");
  EXPECT_EQ(Read("s3://bucket/data/train.csv"), "1,2,3\n");
  auto info = store_.Stat("s3://bucket/data/train.csv");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->uri, "s3://bucket/data/train.csv");
  EXPECT_EQ(info->size, 6u);
}

TEST_F(LocalArtifactStoreTest, UploadsAFileAndDownloadsItBack) {
  const std::string bytes("model\0weights\xff", 14);
  WriteTestFile(Local("model.tar.gz"), bytes);
  ASSERT_TRUE(store_.Upload(Local("model.tar.gz"), "s3://bucket/job/output/model.tar.gz"));
  ASSERT_TRUE(store_.Download("s3://bucket/job/output/model.tar.gz", Local("fetched")));
  EXPECT_EQ(ReadTestFile(Local("fetched/model.tar.gz")), bytes);
}

TEST_F(LocalArtifactStoreTest, UploadToAFolderUriKeepsTheFileName) {
  WriteTestFile(Local("evaluation.json"), "{}");
  ASSERT_TRUE(store_.Upload(Local("evaluation.json"), "s3://bucket/reports/"));
  ASSERT_TRUE(store_.Upload(Local("evaluation.json"), "s3://bucket"));
  EXPECT_EQ(ListedUris("s3://bucket"), (std::vector<std::string>{"s3://bucket/evaluation.json",
                                                                 "s3://bucket/reports/"
                                                                 "evaluation.json"}));
}

TEST_F(LocalArtifactStoreTest, UploadOfATreeKeepsItsLayoutAndDownloadReproducesIt) {
  WriteTestFile(Local("out/a.txt"), "a");
  WriteTestFile(Local("out/sub/b.txt"), "b");
  WriteTestFile(Local("out/sub/deeper/c.txt"), "c");
  std::filesystem::create_directories(Local("out/empty"));
  std::filesystem::create_symlink("a.txt", Local("out/link.txt"));
  ASSERT_TRUE(store_.Upload(Local("out"), "s3://bucket/run/output"));
  EXPECT_EQ(
      ListedUris("s3://bucket/run/output"),
      (std::vector<std::string>{"s3://bucket/run/output/a.txt", "s3://bucket/run/output/sub/b.txt",
                                "s3://bucket/run/output/sub/deeper/c.txt"}));
  ASSERT_TRUE(store_.Download("s3://bucket/run/output", Local("back")));
  EXPECT_EQ(FilesBelow(Local("back")),
            (std::vector<std::string>{"a.txt", "sub/b.txt", "sub/deeper/c.txt"}));
  EXPECT_EQ(ReadTestFile(Local("back/sub/deeper/c.txt")), "c");
}

TEST_F(LocalArtifactStoreTest, PrefixesMatchKeysByPlainStringPrefix) {
  for (const char* key : {"train.csv", "train/part1", "training/x", "test/y", "tra"}) {
    Write(std::string("s3://bucket/") + key, key);
  }
  EXPECT_EQ(ListedUris("s3://bucket/train"),
            (std::vector<std::string>{"s3://bucket/train.csv", "s3://bucket/train/part1",
                                      "s3://bucket/training/x"}));
  EXPECT_EQ(ListedUris("s3://bucket/train/"),
            (std::vector<std::string>{"s3://bucket/train/part1"}));
  EXPECT_EQ(ListedUris("s3://bucket/").size(), 5u);
}

TEST_F(LocalArtifactStoreTest, DownloadPlacesEachMatchBelowTheDirectory) {
  Write("s3://bucket/data/x/a.csv", "a");
  Write("s3://bucket/data2/y", "y");
  Write("s3://bucket/data.csv", "d");
  ASSERT_TRUE(store_.Download("s3://bucket/data", Local("prefix")));
  EXPECT_EQ(FilesBelow(Local("prefix")),
            (std::vector<std::string>{"data.csv", "data2/y", "x/a.csv"}));
  ASSERT_TRUE(store_.Download("s3://bucket/data/", Local("folder")));
  EXPECT_EQ(FilesBelow(Local("folder")), (std::vector<std::string>{"x/a.csv"}));
  ASSERT_TRUE(store_.Download("s3://bucket/data/x/a.csv", Local("object")));
  EXPECT_EQ(FilesBelow(Local("object")), (std::vector<std::string>{"a.csv"}));
}

TEST_F(LocalArtifactStoreTest, DownloadRefusesTwoObjectsThatLandOnOnePath) {
  Write("s3://bucket/train.csv", "1");
  Write("s3://bucket/train/train.csv", "2");
  auto downloaded = store_.Download("s3://bucket/train", Local("channel"));
  const Error error = ErrorOf(downloaded);
  EXPECT_EQ(error.code, ErrorCode::kConflict);
  EXPECT_EQ(error.ToString(),
            "s3://bucket/train: objects \"s3://bucket/train.csv\" and "
            "\"s3://bucket/train/train.csv\" would both be downloaded to \"train.csv\"");
}

TEST_F(LocalArtifactStoreTest, RefusesKeysThatWouldLeaveTheBucket) {
  const std::pair<const char*, const char*> cases[] = {
      {"s3://bucket/../escaped",
       "s3://bucket/../escaped: key \"../escaped\" has a \"..\" segment; expected "
       "\"/\"-separated file names that stay below the bucket"},
      {"s3://bucket/a/../../escaped",
       "s3://bucket/a/../../escaped: key \"a/../../escaped\" has a \"..\" segment; expected "
       "\"/\"-separated file names that stay below the bucket"},
      {"s3://bucket/./x",
       "s3://bucket/./x: key \"./x\" has a \".\" segment; expected \"/\"-separated file names "
       "that stay below the bucket"},
      {"s3://bucket//etc/passwd",
       "s3://bucket//etc/passwd: key \"/etc/passwd\" has an empty segment; expected "
       "\"/\"-separated file names that stay below the bucket"},
      {"s3://bucket/a/.sluice-partial-x",
       "s3://bucket/a/.sluice-partial-x: key \"a/.sluice-partial-x\" has a segment starting "
       "with \".sluice-partial-\", which names files still being written; expected "
       "\"/\"-separated file names that stay below the bucket"},
  };
  for (const auto& [uri, text] : cases) {
    const Error write_error = ErrorOf(store_.WriteObject(uri, "x"));
    EXPECT_EQ(write_error.code, ErrorCode::kInvalidArgument) << uri;
    EXPECT_EQ(write_error.ToString(), text);
    EXPECT_EQ(ErrorOf(store_.ReadObject(uri)).ToString(), text);
    WriteTestFile(Local("upload.txt"), "x");
    EXPECT_EQ(ErrorOf(store_.Upload(Local("upload.txt"), uri)).ToString(), text);
  }
  EXPECT_EQ(ErrorOf(store_.List("s3://bucket/../")).ToString(),
            "s3://bucket/../: key \"../\" has a \"..\" segment; expected \"/\"-separated file "
            "names that stay below the bucket");
  EXPECT_FALSE(std::filesystem::exists(Root() / "escaped"));
  EXPECT_FALSE(std::filesystem::exists(temp_.path() / "escaped"));
}

TEST_F(LocalArtifactStoreTest, RefusesObjectUrisWithoutAnObjectKey) {
  EXPECT_EQ(ErrorOf(store_.WriteObject("s3://bucket", "x")).ToString(),
            "s3://bucket: expected an object key after the bucket name");
  EXPECT_EQ(ErrorOf(store_.WriteObject("s3://bucket/reports/", "x")).ToString(),
            "s3://bucket/reports/: key \"reports/\" ends with \"/\", which names a folder, not "
            "an object");
  EXPECT_EQ(ErrorOf(store_.Stat("gs://bucket/key")).ToString(),
            "gs://bucket/key: expected an \"s3://bucket/key\" or \"file:///absolute/path\" URI");
}

TEST_F(LocalArtifactStoreTest, AnObjectAndAPrefixCannotShareAName) {
  Write("s3://bucket/a/b", "object");
  const Error below = ErrorOf(store_.WriteObject("s3://bucket/a/b/c", "x"));
  EXPECT_EQ(below.code, ErrorCode::kConflict);
  EXPECT_EQ(below.ToString(),
            "s3://bucket/a/b/c: \"a/b\" is an object, so no key can continue below it (a file "
            "cannot also be a directory)");
  Write("s3://bucket/x/y/z", "object");
  const Error above = ErrorOf(store_.WriteObject("s3://bucket/x/y", "x"));
  EXPECT_EQ(above.code, ErrorCode::kConflict);
  EXPECT_EQ(above.ToString(),
            "s3://bucket/x/y: objects exist under \"x/y/\", so it cannot also be an object (a "
            "directory cannot also be a file)");
  EXPECT_EQ(Read("s3://bucket/a/b"), "object");
  EXPECT_EQ(Read("s3://bucket/x/y/z"), "object");
}

TEST_F(LocalArtifactStoreTest, ReportsMissingObjectsAsNotFoundWithTheUri) {
  Write("s3://bucket/present/file", "x");
  const std::string missing = "s3://bucket/absent.csv";
  for (const Error& error : {ErrorOf(store_.Stat(missing)), ErrorOf(store_.ReadObject(missing)),
                             ErrorOf(store_.Digest(missing))}) {
    EXPECT_EQ(error.code, ErrorCode::kNotFound);
    EXPECT_EQ(error.ToString(), "s3://bucket/absent.csv: no such object");
  }
  const Error listed = ErrorOf(store_.List("s3://bucket/absent"));
  EXPECT_EQ(listed.code, ErrorCode::kNotFound);
  EXPECT_EQ(listed.ToString(), "s3://bucket/absent: no object key starts with \"absent\"");
  EXPECT_EQ(ErrorOf(store_.Download("s3://bucket/absent", Local("d"))).ToString(),
            "s3://bucket/absent: no object key starts with \"absent\"");
  EXPECT_EQ(ErrorOf(store_.ReadObject("s3://bucket/present/file/deeper")).ToString(),
            "s3://bucket/present/file/deeper: no such object");
  EXPECT_EQ(ErrorOf(store_.Stat("s3://nobucket/key")).ToString(),
            "s3://nobucket/key: no such bucket \"nobucket\"");
  EXPECT_EQ(ErrorOf(store_.List("s3://nobucket")).ToString(),
            "s3://nobucket: no such bucket \"nobucket\"");
  const Error prefix = ErrorOf(store_.ReadObject("s3://bucket/present"));
  EXPECT_EQ(prefix.code, ErrorCode::kNotFound);
  EXPECT_EQ(prefix.ToString(),
            "s3://bucket/present: no such object; \"present/\" is a prefix of other objects");
  const Error upload = ErrorOf(store_.Upload(Local("nothing-here"), "s3://bucket/x"));
  EXPECT_EQ(upload.code, ErrorCode::kNotFound);
  EXPECT_EQ(upload.ToString(),
            Local("nothing-here").string() + ": cannot upload: No such file or directory");
}

TEST_F(LocalArtifactStoreTest, ReadsAndWritesHostFilesThroughFileUris) {
  WriteTestFile(Local("host/data.csv"), "on the host");
  const std::string uri = "file://" + Local("host/data.csv").string();
  EXPECT_EQ(Read(uri), "on the host");
  Write("file://" + Local("host/new/out.txt").string(), "written");
  EXPECT_EQ(ReadTestFile(Local("host/new/out.txt")), "written");
  EXPECT_EQ(ListedUris("file://" + Local("host/").string()),
            (std::vector<std::string>{uri, "file://" + Local("host/new/out.txt").string()}));
  ASSERT_TRUE(store_.Download("file://" + Local("host").string(), Local("copy")));
  EXPECT_EQ(FilesBelow(Local("copy")), (std::vector<std::string>{"data.csv", "new/out.txt"}));
}

TEST_F(LocalArtifactStoreTest, RefusesFileUrisThatAreNotPlainAbsolutePaths) {
  EXPECT_EQ(ErrorOf(store_.ReadObject("file://relative/x")).ToString(),
            "file://relative/x: expected \"file:///\" followed by an absolute path, with no host "
            "name");
  EXPECT_EQ(ErrorOf(store_.List("file:///")).ToString(), "file:///: expected a path below \"/\"");
  EXPECT_EQ(ErrorOf(store_.ReadObject("file:///tmp/../etc/passwd")).ToString(),
            "file:///tmp/../etc/passwd: path \"/tmp/../etc/passwd\" has a \"..\" segment; "
            "expected a normalized absolute path");
}

TEST_F(LocalArtifactStoreTest, OverwritesAtomically) {
  Write("s3://bucket/state.json", "old contents");
  auto pending = AtomicFile::Create(Root() / "bucket/state.json");
  ASSERT_TRUE(pending.has_value()) << pending.error().ToString();
  ASSERT_TRUE(pending->Write("new cont"));
  // Half written: readers and listings still see only the old object.
  EXPECT_EQ(Read("s3://bucket/state.json"), "old contents");
  EXPECT_EQ(ListedUris("s3://bucket"), (std::vector<std::string>{"s3://bucket/state.json"}));
  ASSERT_TRUE(pending->Write("ents"));
  ASSERT_TRUE(pending->Commit());
  EXPECT_EQ(Read("s3://bucket/state.json"), "new contents");
  Write("s3://bucket/state.json", "third");
  EXPECT_EQ(Read("s3://bucket/state.json"), "third");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(Root() / "bucket"),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(LocalArtifactStoreTest, AnAbandonedWriteLeavesNeitherObjectNorTemporaryFile) {
  Write("s3://bucket/keep", "kept");
  {
    auto abandoned = AtomicFile::Create(Root() / "bucket/keep");
    ASSERT_TRUE(abandoned.has_value());
    ASSERT_TRUE(abandoned->Write("never committed"));
  }
  EXPECT_EQ(Read("s3://bucket/keep"), "kept");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(Root() / "bucket"),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(LocalArtifactStoreTest, ReadersSeeWholeObjectsWhileWritersReplaceThem) {
  const size_t size = 1 << 16;
  Write("s3://bucket/shared", std::string(size, 'a'));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (char version : {'b', 'c'}) {
    threads.emplace_back([&, version] {
      for (int i = 0; i < 20; ++i) {
        if (!store_.WriteObject("s3://bucket/shared", std::string(size, version))) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 40; ++i) {
      auto contents = store_.ReadObject("s3://bucket/shared");
      const bool is_whole = contents && contents->size() == size &&
                            contents->find_first_not_of(contents->front()) == std::string::npos;
      if (!is_whole) ++failures;
    }
  });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(LocalArtifactStoreTest, DigestIsTheSha256OfTheContent) {
  Write("s3://bucket/abc", "abc");
  Write("s3://bucket/empty", "");
  EXPECT_EQ(store_.Digest("s3://bucket/abc").value(), kAbcSha256);
  EXPECT_EQ(store_.Digest("s3://bucket/empty").value(), kEmptySha256);
  EXPECT_EQ(store_.Digest("s3://bucket/abc").value(), kAbcSha256);
}

TEST_F(LocalArtifactStoreTest, DigestFollowsAReplacedObjectOfTheSameSize) {
  Write("s3://bucket/input.csv", "aaaa");
  EXPECT_EQ(store_.Digest("s3://bucket/input.csv").value(), kAaaaSha256);
  Write("s3://bucket/input.csv", "bbbb");
  EXPECT_EQ(store_.Digest("s3://bucket/input.csv").value(), kBbbbSha256);
}

TEST_F(LocalArtifactStoreTest, DigestFollowsAFileRewrittenInPlace) {
  // The real clock: the rewrite may fall in the same timestamp tick as the first write.
  SystemClock system_clock;
  LocalArtifactStore store(Root(), system_clock);
  WriteTestFile(Local("host.csv"), "aaaa");
  const std::string uri = "file://" + Local("host.csv").string();
  EXPECT_EQ(store.Digest(uri).value(), kAaaaSha256);
  const int descriptor = ::open(Local("host.csv").c_str(), O_WRONLY);
  ASSERT_GE(descriptor, 0);
  ASSERT_EQ(::pwrite(descriptor, "bbbb", 4, 0), 4);
  ::close(descriptor);
  EXPECT_EQ(store.Digest(uri).value(), kBbbbSha256);
}

}  // namespace
}  // namespace sluice
