#include "model/transition.h"
#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "store/testing/scratch_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace sluice {
namespace {

TimePoint At(int64_t millis) { return TimePoint(std::chrono::milliseconds(millis)); }

class SqlitePipelinesTest : public testing::ScratchStoreTest {
 protected:
  static PipelineRecord Pipeline(std::string name, int64_t created_ms) {
    PipelineRecord record;
    record.arn = "arn:aws:sagemaker:us-east-1:000000000000:pipeline/" + name;
    record.name = std::move(name);
    record.display_name = "display";
    record.role_arn = "arn:aws:iam::000000000000:role/Role";
    record.created = At(created_ms);
    record.last_modified = record.created;
    return record;
  }
  static PipelineVersionRecord Version(std::string pipeline, std::string definition,
                                       int64_t created_ms) {
    PipelineVersionRecord version;
    version.pipeline_name = std::move(pipeline);
    version.definition = std::move(definition);
    version.created = At(created_ms);
    return version;
  }
  static void StartExecution(SqliteStore& store, std::string id, std::string pipeline,
                             int64_t created_ms) {
    Transition start;
    ExecutionRecord record;
    record.id = std::move(id);
    record.pipeline_name = std::move(pipeline);
    record.definition = "{}";
    record.parameters_json = "{}";
    record.created = At(created_ms);
    record.last_modified = record.created;
    start.execution = record;
    ASSERT_TRUE(store.Apply(start).has_value());
  }
};

TEST_F(SqlitePipelinesTest, KeepsEveryVersionOfADefinitionAcrossReopening) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->CreatePipeline(Pipeline("abalone", 1000), Version("abalone", "v1", 1000))
                    .has_value());
    PipelineRecord updated = Pipeline("abalone", 1000);
    updated.description = "second";
    updated.last_modified = At(2000);
    auto version = store->UpdatePipeline(updated, Version("abalone", "v2", 2000));
    ASSERT_TRUE(version.has_value()) << version.error().ToString();
    EXPECT_EQ(*version, 2);
  }
  auto store = OpenStore();
  auto pipeline = store->FindPipeline("arn:aws:sagemaker:us-east-1:000000000000:pipeline/abalone");
  ASSERT_TRUE(pipeline.has_value() && pipeline->has_value());
  EXPECT_EQ((*pipeline)->latest_version, 2);
  EXPECT_EQ((*pipeline)->description, "second");
  auto first = store->FindPipelineVersion("abalone", 1);
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ((*first)->definition, "v1");
  auto versions = store->ListPipelineVersions("abalone", ListQuery{});
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version_id, 2);  // newest first by default
  EXPECT_EQ((*versions)[1].definition, "v1");
}

TEST_F(SqlitePipelinesTest, RefusesADuplicateNameAndUnknownUpdates) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreatePipeline(Pipeline("abalone", 1), Version("abalone", "v1", 1)));
  auto again = store->CreatePipeline(Pipeline("abalone", 2), Version("abalone", "v1", 2));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  auto unknown = store->UpdatePipeline(Pipeline("other", 3), std::nullopt);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(SqlitePipelinesTest, ListsPagesInTheOrderAsked) {
  auto store = OpenStore();
  for (int i = 0; i < 5; ++i) {
    const std::string name = "p" + std::to_string(i);
    ASSERT_TRUE(
        store->CreatePipeline(Pipeline(name, 100 - i * 10), Version(name, "{}", 100 - i * 10)));
  }
  ASSERT_TRUE(store->CreatePipeline(Pipeline("other", 1), Version("other", "{}", 1)));
  ListQuery query;
  query.name_prefix = "p";
  query.sort_key = ListSortKey::kName;
  query.order = ListOrder::kAscending;
  query.limit = 2;
  query.offset = 2;
  auto page = store->ListPipelines(query);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].name, "p2");
  EXPECT_EQ((*page)[1].name, "p3");

  ListQuery newest;
  newest.limit = 1;
  auto first = store->ListPipelines(newest);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].name, "p0");  // created at 100 ms, the latest

  ListQuery window;
  window.created_after = At(60);
  window.created_before = At(90);
  auto between = store->ListPipelines(window);
  ASSERT_TRUE(between.has_value());
  ASSERT_EQ(between->size(), 2u);  // 70 and 80
  EXPECT_EQ((*between)[0].name, "p2");
  EXPECT_EQ((*between)[1].name, "p3");
}

TEST_F(SqlitePipelinesTest, ListsAPipelinesExecutionsWithTheirDetails) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreatePipeline(Pipeline("abalone", 1), Version("abalone", "v1", 1)));
  StartExecution(*store, "aaaaaaaaaaaa", "abalone", 10);
  StartExecution(*store, "bbbbbbbbbbbb", "abalone", 20);
  StartExecution(*store, "cccccccccccc", "elsewhere", 30);
  ExecutionDetails details;
  details.execution_id = "bbbbbbbbbbbb";
  details.pipeline_version_id = 1;
  details.description = "nightly";
  details.max_parallel_steps = 3;
  ASSERT_TRUE(store->PutExecutionDetails(details));

  auto executions = store->ListPipelineExecutions("abalone", ListQuery{});
  ASSERT_TRUE(executions.has_value());
  ASSERT_EQ(executions->size(), 2u);
  EXPECT_EQ((*executions)[0].id, "bbbbbbbbbbbb");
  EXPECT_EQ((*executions)[1].id, "aaaaaaaaaaaa");

  auto found = store->FindExecutionDetails("bbbbbbbbbbbb");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->description, "nightly");
  EXPECT_EQ((*found)->max_parallel_steps, 3);
  auto none = store->FindExecutionDetails("aaaaaaaaaaaa");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  auto pipeline = store->FindPipeline("abalone");
  ASSERT_TRUE(pipeline.has_value() && pipeline->has_value());
  ASSERT_TRUE((*pipeline)->last_execution.has_value());
  EXPECT_EQ(*(*pipeline)->last_execution, At(20));
  auto version = store->FindPipelineVersion("abalone", 1);
  ASSERT_TRUE(version.has_value() && version->has_value());
  EXPECT_EQ((*version)->last_execution_id, "bbbbbbbbbbbb");

  ASSERT_TRUE(store->DeletePipeline("abalone"));
  auto gone = store->FindExecution("aaaaaaaaaaaa");
  ASSERT_TRUE(gone.has_value());
  EXPECT_FALSE(gone->has_value());
  auto kept = store->FindExecution("cccccccccccc");
  ASSERT_TRUE(kept.has_value());
  EXPECT_TRUE(kept->has_value());
  auto no_pipeline = store->FindPipeline("abalone");
  ASSERT_TRUE(no_pipeline.has_value());
  EXPECT_FALSE(no_pipeline->has_value());
}

TEST_F(SqlitePipelinesTest, FindsTheStepRunOfAJob) {
  auto store = OpenStore();
  Transition start;
  ExecutionRecord record;
  record.id = "aaaaaaaaaaaa";
  record.pipeline_name = "abalone";
  record.definition = "{}";
  record.parameters_json = "{}";
  start.execution = record;
  StepRun run;
  run.execution_id = record.id;
  run.step_name = "Prepare";
  run.step_type = "Processing";
  run.job_name = "pipelines-aaaaaaaaaaaa-Prepare-x";
  run.properties_json = R"({"ProcessingJobName": "pipelines-aaaaaaaaaaaa-Prepare-x"})";
  start.step_runs.push_back(run);
  ASSERT_TRUE(store->Apply(start));
  auto found = store->FindStepRunByJob("pipelines-aaaaaaaaaaaa-Prepare-x");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->step_name, "Prepare");
  EXPECT_EQ((*found)->properties_json, run.properties_json);
  auto in_lower_case = store->FindStepRunByJob("pipelines-aaaaaaaaaaaa-prepare-x");
  ASSERT_TRUE(in_lower_case.has_value() && in_lower_case->has_value());
  EXPECT_EQ((*in_lower_case)->step_name, "Prepare");
  auto missing = store->FindStepRunByJob("no-such-job");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(SqlitePipelinesTest, FindsTheJobsOfAStoreMadeBeforeItsJobNameIndexChanged) {
  // The schema as it was before the index on job names became case-insensitive (7 migrations).
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open((directory_ / "state.db").c_str(), &database), SQLITE_OK);
  std::string script = "BEGIN;";
  for (size_t i = 0; i < 7; ++i) script += std::string(Migrations()[i]);
  script +=
      "INSERT INTO executions VALUES ('aaaaaaaaaaaa', 'abalone', '', 'Executing', '', '{}', "
      "'{}', 0, 0, 0);"
      "INSERT INTO step_runs (execution_id, step_name, attempt, step_type, status, job_name, "
      "failure_class, failure_reason, properties, metadata, log_file, started_ms) VALUES "
      "('aaaaaaaaaaaa', 'Prepare', 1, 'Processing', 'Succeeded', "
      "'pipelines-aaaaaaaaaaaa-Prepare-x', '', '', '{}', '{}', '', 0);"
      "PRAGMA user_version=7; COMMIT;";
  ASSERT_EQ(sqlite3_exec(database, script.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(database);
  sqlite3_close(database);

  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto found = store->FindStepRunByJob("pipelines-aaaaaaaaaaaa-prepare-x");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->step_name, "Prepare");
}

TEST_F(SqlitePipelinesTest, KeepsTheFirstResponseOfAToken) {
  auto store = OpenStore();
  ASSERT_TRUE(store->PutIdempotentResponse("StartPipelineExecution", "token", "first"));
  ASSERT_TRUE(store->PutIdempotentResponse("StartPipelineExecution", "token", "second"));
  auto found = store->FindIdempotentResponse("StartPipelineExecution", "token");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ(**found, "first");
  auto other_operation = store->FindIdempotentResponse("StopPipelineExecution", "token");
  ASSERT_TRUE(other_operation.has_value());
  EXPECT_FALSE(other_operation->has_value());
}

TEST_F(SqlitePipelinesTest, TagsReplaceByKey) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddTags("arn:one", {{"team", "a"}, {"cost", "1"}}));
  ASSERT_TRUE(store->AddTags("arn:one", {{"team", "b"}}));
  auto tags = store->ListTags("arn:one");
  ASSERT_TRUE(tags.has_value());
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].key, "cost");
  EXPECT_EQ((*tags)[1].value, "b");
  auto none = store->ListTags("arn:two");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace sluice
