#include "store/store_image.h"

#include "base/unique_fd.h"
#include "store/testing/scratch_store.h"

#include <climits>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <sys/inotify.h>
#include <unistd.h>

namespace sluice {
namespace {

using StoreImageTest = testing::ScratchStoreTest;

// The names created in `directory` since `watch` began watching it.
std::set<std::string> CreatedNames(int watch) {
  std::set<std::string> names;
  alignas(inotify_event) char buffer[16 * (sizeof(inotify_event) + NAME_MAX + 1)];
  for (;;) {
    const ssize_t got = ::read(watch, buffer, sizeof buffer);
    if (got <= 0) return names;
    for (ssize_t at = 0; at < got;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->len > 0 && (event->mask & IN_CREATE) != 0) names.insert(event->name);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

// A store's directory never holds a half-written store under another name, so an engine
// killed while creating one leaves nothing behind in the state directory.
TEST_F(StoreImageTest, ANewStoreAppearsUnderItsOwnNameOnly) {
  const UniqueFd watch(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  ASSERT_TRUE(watch);
  ASSERT_GE(::inotify_add_watch(watch.get(), directory_.c_str(), IN_CREATE), 0);
  auto created = CreateFromEmptyStoreImage(directory_ / "state.db", /*sync=*/false);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_TRUE(*created);
  EXPECT_EQ(CreatedNames(watch.get()), std::set<std::string>{"state.db"});
  EXPECT_EQ(std::filesystem::file_size(directory_ / "state.db"), EmptyStoreImage().file_size);
}

TEST_F(StoreImageTest, LeavesAStoreThatIsThereAlone) {
  auto first = CreateFromEmptyStoreImage(directory_ / "state.db", /*sync=*/true);
  ASSERT_TRUE(first && *first);
  auto second = CreateFromEmptyStoreImage(directory_ / "state.db", /*sync=*/true);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_FALSE(*second);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(StoreImageTest, NamesTheStoreItCannotCreate) {
  auto created = CreateFromEmptyStoreImage(directory_ / "missing" / "state.db", false);
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().ToString().find((directory_ / "missing" / "state.db").string()),
            std::string::npos)
      << created.error().ToString();
}

}  // namespace
}  // namespace sluice
