#include "store/sqlite_store.h"

#include "store/migrations.h"
#include "store/store_image.h"
#include "store/testing/scratch_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace sluice {
namespace {

class SqliteStoreTest : public testing::ScratchStoreTest {
 protected:
  static ExecutionRecord Execution(std::string id, int64_t created_ms) {
    ExecutionRecord record;
    record.id = std::move(id);
    record.pipeline_name = "abalone";
    record.display_name = "run";
    record.definition = R"({"Version": "2020-12-01"})";
    record.parameters_json = R"({"Threshold": 6.0})";
    record.created = TimePoint(std::chrono::milliseconds(created_ms));
    record.last_modified = record.created;
    return record;
  }
  static StepRun Starting(std::string step_name, std::string job_name) {
    StepRun run;
    run.execution_id = "e1";
    run.step_name = std::move(step_name);
    run.job_name = std::move(job_name);
    run.status = StepStatus::kStarting;
    run.started = TimePoint(std::chrono::milliseconds(5));
    return run;
  }
};

TEST_F(SqliteStoreTest, KeepsCommittedStateAcrossReopening) {
  {
    auto store = OpenStore();
    Transition start;
    start.execution = Execution("abc123def456", 1000);
    StepRun run;
    run.execution_id = "abc123def456";
    run.step_name = "Train";
    run.step_type = "Training";
    run.status = StepStatus::kSucceeded;
    run.properties_json = R"({"TrainingJobName": "job"})";
    run.started = TimePoint(std::chrono::milliseconds(1500));
    run.ended = TimePoint(std::chrono::milliseconds(2500));
    start.step_runs.push_back(run);
    start.events.push_back(Event{0, run.started, "abc123def456", "Train", "Succeeded", ""});
    ASSERT_TRUE(store->Apply(start).has_value());
    EXPECT_GT(start.events[0].sequence, 0);
  }
  auto store = OpenStore();
  auto execution = store->FindExecution("abc123def456");
  ASSERT_TRUE(execution.has_value() && execution->has_value());
  EXPECT_EQ((*execution)->parameters_json, R"({"Threshold": 6.0})");
  EXPECT_EQ((*execution)->status, ExecutionStatus::kExecuting);
  auto runs = store->ListStepRuns("abc123def456");
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, StepStatus::kSucceeded);
  EXPECT_EQ((*runs)[0].properties_json, R"({"TrainingJobName": "job"})");
  ASSERT_TRUE((*runs)[0].ended.has_value());
  auto events = store->ListEvents("abc123def456", 0);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].status, "Succeeded");
}

TEST_F(SqliteStoreTest, LaterRecordsOfAnExecutionKeepItsDefinition) {
  auto store = OpenStore();
  Transition start;
  start.execution = Execution("e1", 1000);
  ASSERT_TRUE(store->Apply(start).has_value());
  Transition end;
  end.execution = Execution("e1", 1000);
  end.execution->definition.clear();
  end.execution->status = ExecutionStatus::kFailed;
  end.execution->failure_reason = "Step failure";
  end.execution->last_modified = TimePoint(std::chrono::milliseconds(2000));
  ASSERT_TRUE(store->Apply(end).has_value());
  auto execution = store->FindExecution("e1");
  ASSERT_TRUE(execution.has_value() && execution->has_value());
  EXPECT_EQ((*execution)->definition, R"({"Version": "2020-12-01"})");
  EXPECT_EQ((*execution)->status, ExecutionStatus::kFailed);
  EXPECT_EQ((*execution)->failure_reason, "Step failure");
  EXPECT_EQ((*execution)->last_modified, TimePoint(std::chrono::milliseconds(2000)));
}

TEST_F(SqliteStoreTest, KeepsALargeDefinitionWhole) {
  // Larger than the pieces the text is written in, and not a multiple of them.
  std::string definition = R"({"Version": "2020-12-01", "Steps": [)";
  for (int step = 0; definition.size() < 300'000; ++step) {
    definition += (step == 0 ? "" : ", ") + std::string(R"({"Name": "n)") + std::to_string(step) +
                  R"(", "Type": "Fail", "Arguments": {}})";
  }
  definition += "]}";
  {
    auto store = OpenStore();
    Transition start;
    start.execution = Execution("e1", 1000);
    start.execution->definition = definition;
    ASSERT_TRUE(store->Apply(start).has_value());
  }
  auto store = OpenStore();
  auto execution = store->FindExecution("e1");
  ASSERT_TRUE(execution.has_value() && execution->has_value());
  EXPECT_EQ((*execution)->definition, definition);
}

TEST_F(SqliteStoreTest, AStoreFromBeforeTheDefinitionsTableKeepsItsExecutionsDefinitions) {
  // Written by the schema before execution_definitions: the text in the execution's own row.
  const auto& migrations = Migrations();
  const auto introduced = std::find_if(migrations.begin(), migrations.end(), [](auto migration) {
    return migration.find("TABLE IF NOT EXISTS execution_definitions") != std::string_view::npos;
  });
  ASSERT_NE(introduced, migrations.end());
  {
    sqlite3* database = nullptr;
    ASSERT_EQ(sqlite3_open((directory_ / "state.db").c_str(), &database), SQLITE_OK);
    std::string script = "BEGIN;\n";
    for (auto migration = migrations.begin(); migration != introduced; ++migration) {
      script += std::string(*migration) + "\n";
    }
    script += "PRAGMA user_version=" + std::to_string(introduced - migrations.begin()) + ";\n";
    script +=
        "INSERT INTO executions (id, pipeline_name, display_name, status, failure_reason, "
        "definition, parameters, max_parallel_steps, created_ms, last_modified_ms) VALUES "
        "('e1', 'abalone', 'run', 'Executing', '', '{\"Version\": \"2020-12-01\"}', '{}', 0, "
        "1000, 1000);\nCOMMIT;";
    EXPECT_EQ(sqlite3_exec(database, script.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(database);
    sqlite3_close(database);
  }
  auto store = OpenStore();
  Transition end;
  end.execution = Execution("e1", 1000);
  end.execution->definition.clear();
  end.execution->status = ExecutionStatus::kSucceeded;
  ASSERT_TRUE(store->Apply(end).has_value());
  auto execution = store->FindExecution("e1");
  ASSERT_TRUE(execution.has_value() && execution->has_value());
  EXPECT_EQ((*execution)->definition, R"({"Version": "2020-12-01"})");
  EXPECT_EQ((*execution)->status, ExecutionStatus::kSucceeded);
}

TEST_F(SqliteStoreTest, ReplacesAStepAttemptAndKeepsAttemptsApart) {
  auto store = OpenStore();
  Transition start;
  start.execution = Execution("e1", 1);
  StepRun run;
  run.execution_id = "e1";
  run.step_name = "Prep";
  run.status = StepStatus::kStarting;
  start.step_runs.push_back(run);
  ASSERT_TRUE(store->Apply(start).has_value());
  Transition finish;
  run.status = StepStatus::kFailed;
  run.failure_class = FailureClass::kCapacityError;
  finish.step_runs.push_back(run);
  run.attempt = 2;
  run.status = StepStatus::kStarting;
  run.failure_class = FailureClass::kNone;
  finish.step_runs.push_back(run);
  ASSERT_TRUE(store->Apply(finish).has_value());
  auto runs = *store->ListStepRuns("e1");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, StepStatus::kFailed);
  EXPECT_EQ(runs[0].failure_class, FailureClass::kCapacityError);
  EXPECT_EQ(runs[1].attempt, 2);
}

TEST_F(SqliteStoreTest, KeepsWhatAdoptingAStepsJobNeeds) {
  auto store = OpenStore();
  Transition executing;
  executing.execution = Execution("e1", 1);
  StepRun run;
  run.execution_id = "e1";
  run.step_name = "Train";
  run.status = StepStatus::kExecuting;
  run.run_directory = "/state/executions/e1/runs/Train/attempt-1";
  run.job_process_id = 4242;
  run.job_process_start_time = 123456789;
  run.handler_state_json = R"({"TrainingJobName": "job"})";
  executing.step_runs.push_back(run);
  ASSERT_TRUE(store->Apply(executing).has_value());
  auto runs = *store->ListStepRuns("e1");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run_directory, run.run_directory);
  EXPECT_EQ(runs[0].job_process_id, 4242);
  EXPECT_EQ(runs[0].job_process_start_time, 123456789);
  EXPECT_EQ(runs[0].handler_state_json, run.handler_state_json);
}

TEST_F(SqliteStoreTest, ListsExecutionsNewestFirst) {
  auto store = OpenStore();
  for (auto [id, created] : {std::pair{"old", 1}, std::pair{"new", 3}, std::pair{"mid", 2}}) {
    Transition transition;
    transition.execution = Execution(id, created);
    ASSERT_TRUE(store->Apply(transition).has_value());
  }
  auto executions = *store->ListExecutions(10);
  ASSERT_EQ(executions.size(), 3u);
  EXPECT_EQ(executions[0].id, "new");
  EXPECT_EQ(executions[2].id, "old");
  EXPECT_EQ(store->ListExecutions(1)->size(), 1u);
}

TEST_F(SqliteStoreTest, ListsExecutionsWithoutTheirDefinitionsWhichFindingOneReads) {
  // A listing of many executions would otherwise read every definition, each up to a megabyte.
  auto store = OpenStore();
  Transition transition;
  transition.execution = Execution("e1", 1);
  ASSERT_TRUE(store->Apply(transition).has_value());
  auto listed = *store->ListExecutions(10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].definition, "");
  EXPECT_EQ(listed[0].parameters_json, R"({"Threshold": 6.0})");
  auto found = *store->FindExecution("e1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->definition, R"({"Version": "2020-12-01"})");
}

TEST_F(SqliteStoreTest, RefusesAStepOfAnUnknownExecutionAndWritesNothing) {
  auto store = OpenStore();
  Transition orphan;
  StepRun run;
  run.execution_id = "missing";
  run.step_name = "A";
  orphan.step_runs.push_back(run);
  orphan.events.push_back(Event{0, {}, "missing", "A", "Starting", ""});
  auto applied = store->Apply(orphan);
  ASSERT_FALSE(applied.has_value());
  EXPECT_NE(applied.error().message.find("FOREIGN KEY"), std::string::npos)
      << applied.error().message;
  EXPECT_TRUE(store->ListEvents("missing", 0)->empty());
}

TEST_F(SqliteStoreTest, TellsListenersOfEachCommittedChangeToAnExecution) {
  auto store = OpenStore();
  std::vector<std::string> told;
  store->AddExecutionChangeListener([&](std::string_view id) {
    // Told only once the change can be read back.
    if (!id.empty()) {
      EXPECT_TRUE(store->FindExecution(id)->has_value());
    }
    told.emplace_back(id);
  });
  Transition start;
  start.execution = Execution("abc123def456", 1000);
  ASSERT_TRUE(store->Apply(start).has_value());
  EXPECT_EQ(told, std::vector<std::string>{"abc123def456"});

  Transition orphan;  // refused: nothing changed, nobody is told
  StepRun run;
  run.execution_id = "missing";
  run.step_name = "A";
  orphan.step_runs.push_back(run);
  ASSERT_FALSE(store->Apply(orphan).has_value());
  EXPECT_EQ(told.size(), 1u);

  ExecutionDetails details;
  details.execution_id = "abc123def456";
  details.description = "changed";
  ASSERT_TRUE(store->PutExecutionDetails(details).has_value());
  ASSERT_TRUE(store->DeletePipeline("abalone").has_value());
  EXPECT_EQ(told, (std::vector<std::string>{"abc123def456", "abc123def456", ""}));
}

TEST_F(SqliteStoreTest, NoticesWhatAnotherConnectionCommitted) {
  auto server = OpenStore();
  auto other = OpenStore();  // a `sluice run` on the same state directory
  std::vector<std::string> told;
  server->AddExecutionChangeListener([&](std::string_view id) { told.emplace_back(id); });
  server->NoticeChangesElsewhere();  // the first look cannot know what came before
  told.clear();
  server->NoticeChangesElsewhere();
  EXPECT_TRUE(told.empty());

  Transition start;
  start.execution = Execution("abc123def456", 1000);
  ASSERT_TRUE(other->Apply(start).has_value());
  server->NoticeChangesElsewhere();
  EXPECT_EQ(told, std::vector<std::string>{""});

  // Its own writes are told as they land, and are not taken for someone else's.
  told.clear();
  ExecutionDetails details;
  details.execution_id = "abc123def456";
  details.description = "changed";
  ASSERT_TRUE(server->PutExecutionDetails(details).has_value());
  server->NoticeChangesElsewhere();
  EXPECT_EQ(told, std::vector<std::string>{"abc123def456"});
}

TEST_F(SqliteStoreTest, ReportsAnUnopenableFile) {
  auto store = SqliteStore::Open(directory_ / "no-such-dir" / "state.db");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().message, "cannot open the metadata store: unable to open database file");
}

// The schema objects of the store at `file` and its schema version, as one comparable text.
std::string SchemaOf(const std::filesystem::path& file) {
  sqlite3* database = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &database), SQLITE_OK);
  std::string schema;
  const auto append = [](void* out, int columns, char** values, char**) {
    for (int i = 0; i < columns; ++i) {
      *static_cast<std::string*>(out) += (values[i] != nullptr ? values[i] : "NULL");
      *static_cast<std::string*>(out) += '\n';
    }
    return 0;
  };
  EXPECT_EQ(sqlite3_exec(database,
                         "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name; "
                         "PRAGMA user_version; PRAGMA journal_mode;",
                         append, &schema, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(database);
  sqlite3_close(database);
  return schema;
}

TEST_F(SqliteStoreTest, ANewStoreHasTheSchemaTheMigrationsBuild) {
  {
    auto store = SqliteStore::Open(directory_ / "new.db");
    ASSERT_TRUE(store.has_value()) << store.error().message;
  }
  // Written from the image: the migrations would have left their pages in the write-ahead log
  // and the file at its first page.
  EXPECT_EQ(std::filesystem::file_size(directory_ / "new.db"), EmptyStoreImage().file_size);
  {
    sqlite3* database = nullptr;
    ASSERT_EQ(sqlite3_open((directory_ / "migrated.db").c_str(), &database), SQLITE_OK);
    const std::string script = "PRAGMA journal_mode=WAL;\n" + MigrationScript(0);
    EXPECT_EQ(sqlite3_exec(database, script.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(database);
    sqlite3_close(database);
  }
  const std::string schema = SchemaOf(directory_ / "new.db");
  EXPECT_NE(schema.find("CREATE TABLE"), std::string::npos) << schema;
  EXPECT_EQ(schema, SchemaOf(directory_ / "migrated.db"));
  // Nothing of the staged copy is left beside the store.
  for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
    EXPECT_EQ(entry.path().filename().string().find(".new-"), std::string::npos) << entry.path();
  }
}

TEST_F(SqliteStoreTest, AnEmptyFileAtTheStoresPlaceGetsTheSchemaToo) {
  // A file that is there already is never replaced: SQLite takes an empty one as a new store.
  { std::ofstream empty(directory_ / "empty.db"); }
  {
    auto store = SqliteStore::Open(directory_ / "empty.db");
    ASSERT_TRUE(store.has_value()) << store.error().message;
    Transition start;
    start.execution = Execution("e1", 1000);
    ASSERT_TRUE((*store)->Apply(start).has_value());
  }
  { auto store = SqliteStore::Open(directory_ / "new.db"); }
  EXPECT_EQ(SchemaOf(directory_ / "empty.db"), SchemaOf(directory_ / "new.db"));
}

// One succeeded run of step "Train" in execution `id`, entered in the cache under `key`.
Transition CachedRun(const std::string& id, int64_t started_ms, const std::string& key) {
  Transition transition;
  ExecutionRecord record;
  record.id = id;
  record.pipeline_name = "abalone";
  record.created = TimePoint(std::chrono::milliseconds(started_ms));
  record.last_modified = record.created;
  transition.execution = record;
  StepRun run;
  run.execution_id = id;
  run.step_name = "Train";
  run.step_type = "Training";
  run.status = StepStatus::kSucceeded;
  run.job_name = "job-" + id;
  run.properties_json = R"({"TrainingJobName": "job-)" + id + R"("})";
  run.metadata_json = R"({"TrainingJob": {}})";
  run.log_file = "/logs/" + id;
  run.started = record.created;
  transition.step_runs.push_back(run);
  CacheEntry entry;
  entry.pipeline_name = "abalone";
  entry.step_name = "Train";
  entry.cache_key = key;
  entry.material_json = R"({"KeyVersion":1})";
  entry.execution_id = id;
  entry.attempt = 1;
  entry.created = run.started;
  entry.outputs_json = R"(["s3://b/model.tar.gz"])";
  transition.cache_entries.push_back(entry);
  return transition;
}

TEST_F(SqliteStoreTest, ListsTheNewestCacheEntryOfEveryStepAndKey) {
  auto store = OpenStore();
  for (Transition transition :
       {CachedRun("exec00000001", 1000, "key-a"), CachedRun("exec00000002", 2000, "key-a"),
        CachedRun("exec00000003", 3000, "key-b")}) {
    ASSERT_TRUE(store->Apply(transition).has_value());
  }
  auto entries = store->ListNewestCacheEntries("abalone");
  ASSERT_TRUE(entries.has_value()) << entries.error().ToString();
  ASSERT_EQ(entries->size(), 2u);
  // Newest first: key-b's run, then the newer of key-a's two.
  EXPECT_EQ((*entries)[0].execution_id, "exec00000003");
  EXPECT_EQ((*entries)[0].cache_key, "key-b");
  const CacheEntry& entry = (*entries)[1];
  EXPECT_EQ(entry.execution_id, "exec00000002");
  EXPECT_EQ(entry.pipeline_name, "abalone");
  EXPECT_EQ(entry.step_name, "Train");
  EXPECT_EQ(entry.cache_key, "key-a");
  EXPECT_EQ(entry.material_json, R"({"KeyVersion":1})");
  EXPECT_EQ(entry.attempt, 1);
  EXPECT_EQ(entry.created, TimePoint(std::chrono::milliseconds(2000)));
  EXPECT_EQ(entry.outputs_json, R"(["s3://b/model.tar.gz"])");
  EXPECT_EQ(entry.job_name, "job-exec00000002");
  EXPECT_EQ(entry.properties_json, R"({"TrainingJobName": "job-exec00000002"})");
  EXPECT_EQ(entry.metadata_json, R"({"TrainingJob": {}})");
  EXPECT_EQ(entry.log_file, "/logs/exec00000002");

  // Another pipeline's runs are never candidates.
  auto elsewhere = store->ListNewestCacheEntries("other");
  ASSERT_TRUE(elsewhere.has_value());
  EXPECT_TRUE(elsewhere->empty());
}

TEST_F(SqliteStoreTest, AnAttemptWrittenTwiceInOneBatchKeepsItsLastWrite) {
  auto store = OpenStore();
  std::vector<Transition> batch = {CachedRun("exec00000001", 1000, "key-a")};
  batch[0].cache_entries.clear();
  batch[0].step_runs[0].status = StepStatus::kStarting;
  Transition end;
  end.step_runs.push_back(batch[0].step_runs[0]);
  end.step_runs[0].status = StepStatus::kSucceeded;
  end.step_runs[0].ended = TimePoint(std::chrono::milliseconds(1200));
  batch.push_back(end);
  ASSERT_TRUE(store->ApplyAll(batch).has_value());
  auto runs = store->ListStepRuns("exec00000001");
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, StepStatus::kSucceeded);
  EXPECT_EQ((*runs)[0].ended, TimePoint(std::chrono::milliseconds(1200)));
}

TEST_F(SqliteStoreTest, ListsStepsInTheOrderTheyStartedAfterLaterRecordsOfTheFirst) {
  auto store = OpenStore();
  Transition start;
  start.execution = Execution("e1", 1);
  StepRun first = Starting("Prep", "pipelines-e1-prep-a");
  start.step_runs = {first, Starting("Audit", "pipelines-e1-audit-b")};
  ASSERT_TRUE(store->Apply(start).has_value());
  Transition executing;
  first.status = StepStatus::kExecuting;
  executing.step_runs.push_back(first);
  ASSERT_TRUE(store->Apply(executing).has_value());

  auto runs = *store->ListStepRuns("e1");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].step_name, "Prep");
  EXPECT_EQ(runs[0].status, StepStatus::kExecuting);
  EXPECT_EQ(runs[1].step_name, "Audit");
}

TEST_F(SqliteStoreTest, ARecordThatRenamesAnAttemptsJobIsFoundByItsNewName) {
  auto store = OpenStore();
  Transition start;
  start.execution = Execution("e1", 1);
  StepRun run = Starting("Prep", "pipelines-e1-prep-old");
  start.step_runs.push_back(run);
  ASSERT_TRUE(store->Apply(start).has_value());
  Transition renamed;
  run.job_name = "pipelines-e1-prep-new";
  run.status = StepStatus::kExecuting;
  renamed.step_runs.push_back(run);
  ASSERT_TRUE(store->Apply(renamed).has_value());

  auto found = store->FindStepRunByJob("PIPELINES-E1-PREP-NEW");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->status, StepStatus::kExecuting);
  auto old = store->FindStepRunByJob("pipelines-e1-prep-old");
  ASSERT_TRUE(old.has_value());
  EXPECT_FALSE(old->has_value());
  EXPECT_EQ(store->ListStepRuns("e1")->size(), 1u);
}

TEST_F(SqliteStoreTest, KeepsEachAttemptsCacheDecisionWithItsDifferences) {
  auto store = OpenStore();
  Transition transition = CachedRun("exec00000001", 1000, "key-a");
  CacheDecisionRecord decision;
  decision.execution_id = "exec00000001";
  decision.step_name = "Train";
  decision.attempt = 1;
  decision.outcome = CacheOutcome::kMissed;
  decision.reason = R"(missed: HyperParameters.max_depth "5" -> "6" (and 1 more difference))";
  decision.cache_key = "key-a";
  decision.compared_execution_id = "exec00000000";
  decision.compared_attempt = 2;
  decision.differences = {R"(HyperParameters.max_depth "5" -> "6")",
                          "input s3://b/train.csv changed: sha256 aaaa… -> bbbb…"};
  decision.decided = TimePoint(std::chrono::milliseconds(1000));
  transition.cache_decisions.push_back(decision);
  ASSERT_TRUE(store->Apply(transition).has_value());

  auto decisions = store->ListCacheDecisions("exec00000001");
  ASSERT_TRUE(decisions.has_value()) << decisions.error().ToString();
  ASSERT_EQ(decisions->size(), 1u);
  const CacheDecisionRecord& stored = decisions->front();
  EXPECT_EQ(stored.outcome, CacheOutcome::kMissed);
  EXPECT_EQ(stored.reason, decision.reason);
  EXPECT_EQ(stored.cache_key, "key-a");
  EXPECT_EQ(stored.compared_execution_id, "exec00000000");
  EXPECT_EQ(stored.compared_attempt, 2);
  EXPECT_EQ(stored.differences, decision.differences);
  EXPECT_EQ(stored.decided, decision.decided);
}

}  // namespace
}  // namespace sluice
