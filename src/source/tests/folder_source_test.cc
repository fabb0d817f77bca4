// Folder walks: the copied-CD layout with a DICOMDIR (case, ";1" and "." name variants,
// a missing file, junk beside it), fallback on a bad DICOMDIR, order, links, odd files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dicom/dicomdir.h"
#include "source/source.h"
#include "source/tests/test_support.h"

namespace custos::source {
namespace {

using testing::read_file;
using testing::RecordingSink;
using testing::sha256_hex;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

const fs::path kPydicomDirs =
    "/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every regular file under root (symlinks to files included), as path strings.
std::set<std::string> files_under(const fs::path& root) {
  std::set<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.insert(e.path().string());
  }
  return out;
}

// Renames every entry below `dir` (depth first, children before their folder).
void rename_tree(const fs::path& dir, const std::function<std::string(std::string)>& fn) {
  std::vector<fs::path> entries;
  for (auto& e : fs::directory_iterator(dir)) entries.push_back(e.path());
  for (const auto& p : entries) {
    if (fs::is_directory(p)) rename_tree(p, fn);
    fs::rename(p, p.parent_path() / fn(p.filename().string()));
  }
}

std::string walk_error(const fs::path& input, RecordingSink& sink) {
  auto s = walk(input, WalkOptions{}, sink);
  return s ? std::string() : s.error().message;
}

// A hospital CD as users copy it: DICOMDIR at the root, the images below it under names
// whose case or ISO-9660 decoration differs from what the DICOMDIR says, a viewer and an
// autorun file next to it, and one referenced image lost in the copy.
TEST(FolderSource, CopiedCdDeliversDicomdirFilesFirstOnceEachAndReportsTheMissingOne) {
  if (!fs::exists(kPydicomDirs / "DICOMDIR")) GTEST_SKIP() << "python3-pydicom test files absent";
  TempDir tmp;
  const fs::path cd = tmp.path() / "cd";
  fs::create_directories(cd);
  fs::copy(kPydicomDirs, cd, fs::copy_options::recursive);
  // 77654033: ISO-9660 without Rock Ridge shows "NAME;1" files and "DIR." folders.
  rename_tree(cd / "77654033", [](std::string n) {
    return n.find_first_not_of("0123456789") == std::string::npos ? n + ";1" : n + ".";
  });
  // 98892001: copied on a system that lower-cases 8.3 names.
  rename_tree(cd / "98892001", lower);
  // 98892003: kept as written, but one referenced image is gone.
  fs::remove(cd / "98892003" / "MR2" / "6605");
  // The TINY_ALPHA sub-CD (its own DICOMDIR) is copied in lower case.
  rename_tree(cd / "TINY_ALPHA", lower);
  fs::rename(cd / "TINY_ALPHA", cd / "tiny_alpha");
  write_file(cd / "VIEWER.EXE", "MZ\x90\x00 not a real program");
  write_file(cd / "AUTORUN.INF", "[autorun]\r\nopen=VIEWER.EXE\r\n");

  auto root_refs = dicom::read_dicomdir_references(kPydicomDirs / "DICOMDIR");
  ASSERT_TRUE(root_refs) << root_refs.error().message;
  ASSERT_EQ(root_refs->size(), 31u);
  auto tiny_refs = dicom::read_dicomdir_references(kPydicomDirs / "TINY_ALPHA" / "DICOMDIR");
  ASSERT_TRUE(tiny_refs) << tiny_refs.error().message;
  ASSERT_EQ(tiny_refs->size(), 50u);

  RecordingSink sink;
  ASSERT_EQ(walk_error(cd, sink), "");

  // Exactly the files on disk, each once, with their real bytes and sizes.
  std::set<std::string> seen;
  for (const auto& got : sink.items) {
    EXPECT_TRUE(seen.insert(got.item.display_path).second) << "twice: " << got.item.display_path;
    EXPECT_FALSE(got.error) << got.item.display_path << ": " << got.error->message;
    const std::string bytes = read_file(got.item.display_path);
    EXPECT_EQ(got.sha256, sha256_hex(bytes)) << got.item.display_path;
    ASSERT_TRUE(got.item.size.has_value());
    EXPECT_EQ(*got.item.size, bytes.size());
  }
  EXPECT_EQ(seen, files_under(cd));

  // First the root DICOMDIR's files in its order (minus the lost one), then TINY_ALPHA's.
  std::vector<std::string> expected;
  for (const auto& ref : *root_refs) {
    std::string path = ref;
    if (ref.starts_with("77654033/")) {
      // "77654033/CR1/6154" -> "77654033/CR1./6154;1"
      const auto b = ref.rfind('/');
      path = ref.substr(0, b) + "./" + ref.substr(b + 1) + ";1";
    } else if (ref.starts_with("98892001/")) {
      path = lower(ref);
    } else if (ref == "98892003/MR2/6605") {
      continue;
    }
    expected.push_back((cd / path).string());
  }
  for (const auto& ref : *tiny_refs) expected.push_back((cd / "tiny_alpha" / lower(ref)).string());
  ASSERT_GE(sink.items.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sink.items[i].item.display_path, expected[i]) << "position " << i;
    EXPECT_TRUE(sink.items[i].item.referenced_by_dicomdir) << expected[i];
  }
  for (std::size_t i = expected.size(); i < sink.items.size(); ++i) {
    EXPECT_FALSE(sink.items[i].item.referenced_by_dicomdir) << sink.items[i].item.display_path;
  }

  // The junk and the DICOMDIR files themselves come as ordinary items.
  for (const char* name : {"VIEWER.EXE", "AUTORUN.INF", "DICOMDIR", "tiny_alpha/dicomdir",
                           "DICOMDIR-bigEnd", "README.txt"}) {
    const auto* got = sink.find((cd / name).string());
    ASSERT_NE(got, nullptr) << name;
    EXPECT_FALSE(got->item.referenced_by_dicomdir) << name;
  }

  ASSERT_EQ(sink.missing.size(), 1u);
  EXPECT_EQ(sink.missing[0].path, (cd / "98892003/MR2/6605").string());
  EXPECT_EQ(sink.missing[0].reason, "referenced by DICOMDIR but not present");
  EXPECT_TRUE(sink.rejected.empty()) << sink.rejected[0].path << ": " << sink.rejected[0].reason;
}

TEST(FolderSource, CdCopiedIntoASubfolderIsStillRecognised) {
  if (!fs::exists(kPydicomDirs / "TINY_ALPHA")) GTEST_SKIP() << "python3-pydicom test files absent";
  TempDir tmp;
  const fs::path sub = tmp.path() / "scans" / "2019 knee";
  fs::create_directories(sub);
  fs::copy(kPydicomDirs / "TINY_ALPHA", sub, fs::copy_options::recursive);
  write_file(tmp.path() / "aaa-notes.txt", "sorted before the CD");

  RecordingSink sink;
  ASSERT_EQ(walk_error(tmp.path(), sink), "");
  ASSERT_EQ(sink.items.size(), 53u);  // 50 images, the DICOMDIR, its README, the note
  EXPECT_EQ(sink.items[0].item.display_path,
            (sub / "PT000000/ST000000/SE000000/IM000000").string());
  for (std::size_t i = 0; i < 50; ++i) EXPECT_TRUE(sink.items[i].item.referenced_by_dicomdir);
  EXPECT_EQ(sink.items[50].item.display_path, (tmp.path() / "aaa-notes.txt").string());
  EXPECT_EQ(sink.items[51].item.display_path, (sub / "DICOMDIR").string());
  EXPECT_EQ(sink.items[52].item.display_path, (sub / "README").string());
  for (std::size_t i = 50; i < 53; ++i) EXPECT_FALSE(sink.items[i].item.referenced_by_dicomdir);
  EXPECT_TRUE(sink.missing.empty());
}

TEST(FolderSource, UnparsableDicomdirIsRejectedAndTheFolderWalkedPlainly) {
  TempDir tmp;
  write_file(tmp.path() / "DICOMDIR", "this is not a DICOMDIR at all, just some text");
  write_file(tmp.path() / "IMAGES" / "IM1", "one");
  write_file(tmp.path() / "IMAGES" / "IM2", "two");

  RecordingSink sink;
  ASSERT_EQ(walk_error(tmp.path(), sink), "");
  ASSERT_EQ(sink.rejected.size(), 1u);
  EXPECT_EQ(sink.rejected[0].path, (tmp.path() / "DICOMDIR").string());
  EXPECT_NE(sink.rejected[0].reason.find("DICOMDIR"), std::string::npos) << sink.rejected[0].reason;
  ASSERT_EQ(sink.items.size(), 3u);
  EXPECT_EQ(sink.items[0].item.display_path, (tmp.path() / "DICOMDIR").string());
  EXPECT_EQ(sink.items[1].item.display_path, (tmp.path() / "IMAGES/IM1").string());
  EXPECT_EQ(sink.items[2].item.display_path, (tmp.path() / "IMAGES/IM2").string());
  for (const auto& got : sink.items) EXPECT_FALSE(got.item.referenced_by_dicomdir);
}

TEST(FolderSource, WalksInSortedOrderWhateverTheCreationOrder) {
  TempDir tmp;
  for (const char* name : {"zeta", "b/2", "a", "b/1", "B", "c/d/e"}) {
    write_file(tmp.path() / name, name);
  }
  RecordingSink sink;
  ASSERT_EQ(walk_error(tmp.path(), sink), "");
  std::vector<std::string> got;
  for (const auto& i : sink.items)
    got.push_back(i.item.display_path.substr(tmp.path().string().size() + 1));
  EXPECT_EQ(got, (std::vector<std::string>{"B", "a", "b/1", "b/2", "c/d/e", "zeta"}));
  EXPECT_EQ(sink.items[0].sha256, sha256_hex("B"));
}

TEST(FolderSource, DoesNotFollowSymlinkedFoldersAndSkipsSpecialFiles) {
  TempDir tmp;
  const fs::path root = tmp.path() / "root";
  write_file(root / "real" / "file", "data");
  write_file(tmp.path() / "outside" / "secret", "not part of the walk");
  fs::create_directory_symlink(root, root / "real" / "loop");          // would loop forever
  fs::create_directory_symlink(tmp.path() / "outside", root / "out");  // leaves the tree
  fs::create_symlink(root / "real" / "file", root / "link-to-file");
  fs::create_symlink(root / "nowhere", root / "dangling");
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);

  RecordingSink sink;
  ASSERT_EQ(walk_error(root, sink), "");
  std::vector<std::string> got;
  for (const auto& i : sink.items) got.push_back(i.item.display_path);
  EXPECT_EQ(got, (std::vector<std::string>{(root / "link-to-file").string(),
                                           (root / "real/file").string()}));
  EXPECT_TRUE(sink.rejected.empty());
}

TEST(FolderSource, FileVanishingDuringTheWalkIsRejectedAndTheWalkGoesOn) {
  TempDir tmp;
  write_file(tmp.path() / "a", "first");
  write_file(tmp.path() / "b", "vanishes");
  write_file(tmp.path() / "c", "third");
  RecordingSink sink;
  sink.after_item = [&](const testing::ReceivedItem& got) {
    if (got.item.display_path == (tmp.path() / "a").string()) fs::remove(tmp.path() / "b");
  };
  ASSERT_EQ(walk_error(tmp.path(), sink), "");
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_EQ(sink.items[1].item.display_path, (tmp.path() / "c").string());
  ASSERT_EQ(sink.rejected.size(), 1u);
  EXPECT_EQ(sink.rejected[0].path, (tmp.path() / "b").string());
}

TEST(FolderSource, UnreadableSubfolderAndFileAreRejectedAndTheRestDelivered) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads everything";
  TempDir tmp;
  write_file(tmp.path() / "locked" / "inside", "x");
  write_file(tmp.path() / "secret", "y");
  write_file(tmp.path() / "zz", "z");
  ASSERT_EQ(::chmod((tmp.path() / "locked").c_str(), 0), 0);
  ASSERT_EQ(::chmod((tmp.path() / "secret").c_str(), 0), 0);
  RecordingSink sink;
  ASSERT_EQ(walk_error(tmp.path(), sink), "");
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].item.display_path, (tmp.path() / "zz").string());
  std::set<std::string> rejected;
  for (const auto& r : sink.rejected) rejected.insert(r.path);
  EXPECT_EQ(rejected, (std::set<std::string>{(tmp.path() / "locked").string(),
                                             (tmp.path() / "secret").string()}));
}

}  // namespace
}  // namespace custos::source
