#include "store/sqlite_store.h"
#include "store/testing/scratch_store.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

class SqliteDeliveriesTest : public testing::ScratchStoreTest {
 protected:
  static Transition Started(const std::string& id) {
    Transition transition;
    ExecutionRecord record;
    record.id = id;
    record.pipeline_name = "abalone";
    record.definition = "{}";
    record.parameters_json = "{}";
    transition.execution = record;
    transition.events.push_back(Event{0, TimePoint(), id, "", "Executing", ""});
    transition.events.push_back(Event{0, TimePoint(), id, "Train", "Starting", ""});
    return transition;
  }
};

TEST_F(SqliteDeliveriesTest, ListsTheEventsOfEveryExecutionInCommitOrder) {
  auto store = OpenStore();
  Transition first = Started("aaaaaaaaaaaa");
  Transition second = Started("bbbbbbbbbbbb");
  ASSERT_TRUE(store->Apply(first).has_value());
  ASSERT_TRUE(store->Apply(second).has_value());

  auto all = store->ListEventsOfAll(0, 100);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].execution_id, "aaaaaaaaaaaa");
  EXPECT_EQ((*all)[2].execution_id, "bbbbbbbbbbbb");
  EXPECT_EQ((*all)[3].step_name, "Train");
  for (size_t i = 1; i < all->size(); ++i) EXPECT_LT((*all)[i - 1].sequence, (*all)[i].sequence);

  auto page = store->ListEventsOfAll((*all)[0].sequence, 2);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].sequence, (*all)[1].sequence);
}

TEST_F(SqliteDeliveriesTest, KeepsDeliveryPositionsAcrossReopening) {
  {
    auto store = OpenStore();
    auto unknown = store->FindDeliveredSequence("https://example.test/hook");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_FALSE(unknown->has_value());
    ASSERT_TRUE(store->PutDeliveredSequence("https://example.test/hook", 3).has_value());
    ASSERT_TRUE(store->PutDeliveredSequence("https://example.test/hook", 7).has_value());
    ASSERT_TRUE(store->PutDeliveredSequence("https://other.test/", 1).has_value());
  }
  auto store = OpenStore();
  auto found = store->FindDeliveredSequence("https://example.test/hook");
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, 7);
  auto other = store->FindDeliveredSequence("https://other.test/");
  ASSERT_TRUE(other.has_value() && other->has_value());
  EXPECT_EQ(**other, 1);
}

}  // namespace
}  // namespace sluice
