package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hudson.AbortException;
import hudson.FilePath;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * comfyBatch's durable execution against two REAL fake servers in a configured pool, over loopback, with the
 * StepContext of {@link TestStepContext} (which serializes the execution on every saveState, as program.dat does).
 */
class ComfyBatchExecutionTest {
    private static final long WAIT_SECONDS = 90;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workspace;

    private FakeComfyUI a;
    private FakeComfyUI b;

    @BeforeEach
    void setUp() {
        a = FakeComfyUI.builder().port(0).timeScale(100).seed(21).start();
        b = FakeComfyUI.builder().port(0).timeScale(100).seed(22).start();
        ComfyGlobalConfiguration global = TestJenkins.reset();
        global.setServers(List.of(new ComfyServer("gpu-a", a.baseUrl().toString()), new ComfyServer("gpu-b", b.baseUrl().toString())));
        ComfyServerPool farm = new ComfyServerPool("farm");
        farm.setMembers(List.of(new ComfyServerPool.Member("gpu-a"), new ComfyServerPool.Member("gpu-b")));
        global.setPools(List.of(farm));
    }

    @AfterEach
    void tearDown() {
        ComfyRuntime.shutdown();
        a.close();
        b.close();
    }

    private record Started(ComfyBatchExecution execution, TestStepContext context, TestJenkins.TestRun run,
                           TestJenkins.BufferListener log) {
        Object result() throws Exception {
            return context.outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        Throwable failure() throws Exception {
            try {
                Object r = context.outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);
                throw new AssertionError("expected the step to fail, it returned " + r);
            } catch (ExecutionException e) {
                return e.getCause();
            }
        }

        ComfyBatchAction action() {
            return run.getAction(ComfyBatchAction.class);
        }
    }

    private Started start(ComfyBatchStep step) throws Exception {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = new TestStepContext(run, log, new FilePath(workspace.toFile()));
        ComfyBatchExecution e = (ComfyBatchExecution) step.start(ctx);
        ctx.attach(e);
        assertThat(e.start()).isFalse();
        return new Started(e, ctx, run, log);
    }

    private static ComfyBatchStep step(String server, int n) {
        ComfyBatchStep s = new ComfyBatchStep();
        s.setServer(server);
        s.setWorkflow(ComfyRunExecutionTest.txt2img());
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            items.add(Map.of("KSampler.seed", i, "name", "seed-" + i));
        }
        s.setItems(items);
        return s;
    }

    private List<String> posted() throws Exception {
        List<String> ids = new ArrayList<>();
        for (FakeComfyUI f : List.of(a, b)) {
            for (JournalEntry e : f.journal().requests("POST", "/prompt")) {
                ids.add(JSON.readTree(e.text()).path("prompt_id").asText());
            }
        }
        return ids;
    }

    private void slow() {
        for (FakeComfyUI f : List.of(a, b)) {
            f.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void itemsRunOnThePoolAndTheResultListsThemInItemOrderWithCounts() throws Exception {
        ComfyBatchStep s = step("farm", 5);
        s.setConcurrency(4);
        Started st = start(s);
        Map<String, Object> r = (Map<String, Object>) st.result();

        assertThat(r).containsEntry("total", 5).containsEntry("succeeded", 5).containsEntry("failed", 0).containsEntry("skipped", 0);
        List<Map<String, Object>> items = (List<Map<String, Object>>) r.get("items");
        assertThat(items).extracting(m -> m.get("name")).containsExactly("seed-1", "seed-2", "seed-3", "seed-4", "seed-5");
        assertThat(items).allSatisfy(m -> {
            assertThat(m.get("status")).isEqualTo("success");
            assertThat(m.get("server")).isIn("gpu-a", "gpu-b");
            assertThat((List<String>) m.get("outputs")).singleElement().satisfies(p -> {
                assertThat(p).startsWith("comfyui-out/" + m.get("name") + "/");
                assertThat(Files.size(workspace.resolve(p))).isPositive();
            });
        });
        assertThat(items).extracting(m -> m.get("server")).contains("gpu-a", "gpu-b");
        assertThat(posted()).hasSize(5).doesNotHaveDuplicates();
        String log = st.log().text();
        assertThat(log).contains("[comfyBatch] 5 items on pool farm (2 servers), 4 at a time")
                .containsPattern("\\[comfyBatch\\] item 3/5 \\(seed-3\\): submitted to gpu-[ab] as prompt \\w{6}…")
                .containsPattern("\\[comfyBatch\\] item 3/5 \\(seed-3\\): success in [\\d.]+ m?s, 1 output saved")
                .contains("[comfyBatch] 5 of 5 succeeded")
                .doesNotContain("KSampler: "); // no per-node log in the console
        ComfyBatchAction action = st.action();
        assertThat(action.getItems()).extracting(ComfyBatchAction.Row::getStatus).containsOnly("success");
        JsonNode manifest = JSON.readTree(action.getManifestJson());
        assertThat(manifest).hasSize(5);
        assertThat(manifest.get(0).path("name").asText()).isEqualTo("seed-1");
        assertThat(action.getManifestTsv().lines()).hasSize(6).first().isEqualTo(
                "index\tname\tstatus\tserver\tpromptId\tdurationMillis\toutputs\terror");
        assertThat(action.isDone()).isTrue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFailedItemDoesNotStopTheOthersUnlessFailFast() throws Exception {
        a.faults().executionErrorAt("3", "RuntimeException", "CUDA out of memory");
        ComfyBatchStep s = step("gpu-a", 3);
        s.setConcurrency(1);
        Map<String, Object> r = (Map<String, Object>) start(s).result();
        assertThat(r).containsEntry("succeeded", 2).containsEntry("failed", 1);
        assertThat(((List<Map<String, Object>>) r.get("items")).get(0)).containsEntry("status", "failed")
                .satisfies(m -> assertThat((String) m.get("error")).contains("CUDA out of memory"));
    }

    @Test
    void failFastSkipsWhatWasNotStartedAndFailsTheStepNamingTheItem() throws Exception {
        a.faults().executionErrorAt("3", "RuntimeException", "CUDA out of memory");
        ComfyBatchStep s = step("gpu-a", 3);
        s.setConcurrency(1);
        s.setFailFast(true);
        Started st = start(s);
        Throwable t = st.failure();
        assertThat(t).isInstanceOf(AbortException.class)
                .hasMessageContaining("0 of 3 succeeded, 1 failed, 2 skipped")
                .hasMessageContaining("item 1/3 (seed-1)").hasMessageContaining("CUDA out of memory");
        assertThat(a.journal().requests("POST", "/prompt")).hasSize(1);
        assertThat(st.action().getItems()).extracting(ComfyBatchAction.Row::getStatus).containsExactly("failed", "skipped", "skipped");
    }

    @Test
    void abortCancelsExactlyOurPromptsAndSubmitsNothingMore() throws Exception {
        slow();
        ComfyBatchStep s = step("farm", 3);
        s.setConcurrency(2);
        Started st = start(s);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> posted().size() == 2);
        List<String> ours = posted();
        FlowInterruptedException cause = new FlowInterruptedException(hudson.model.Result.ABORTED, true);
        st.execution().stop(cause);
        assertThat(st.failure()).isSameAs(cause);
        assertThat(posted()).containsExactlyInAnyOrderElementsOf(ours);
        for (FakeComfyUI f : List.of(a, b)) {
            List<JournalEntry> cancels = f.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_REQUEST
                    && "POST".equals(e.method()) && e.path() != null
                    && (e.path().equals("/queue") || e.path().equals("/interrupt") || e.path().startsWith("/api/jobs/")));
            assertThat(cancels).isNotEmpty().allSatisfy(e -> assertThat(ours).anyMatch(id -> (e.path() + e.text()).contains(id)));
        }
        assertThat(st.log().text()).contains("[comfyBatch] aborted: cancelling our prompts (2 in flight); nothing more is submitted");
        assertThat(st.action().getItems()).extracting(ComfyBatchAction.Row::getStatus).containsExactly("aborted", "aborted", "skipped");
        assertThat(st.log().text()).as("aborted items are not reported as failed").contains("[comfyBatch] 0 of 3 succeeded, 2 aborted, 1 skipped\n");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRestartWithItemsInFlightReattachesToThemAndSubmitsOnlyTheItemsNeverSent() throws Exception {
        slow();
        ComfyBatchStep s = step("farm", 4);
        s.setConcurrency(2);
        Started st = start(s);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> posted().size() == 2);
        List<String> sentBefore = posted();
        byte[] programDat = st.context().lastSaved(); // saved before the second POST, with both prompt ids
        ComfyRuntime.shutdown(); // Jenkins going down: the engine closes, the prompts keep running on the servers

        ComfyBatchExecution copy = TestStepContext.deserialize(programDat, ComfyBatchExecution.class);
        assertThat(copy.items()).hasSize(4).filteredOn(i -> i.promptId != null).extracting(i -> i.promptId)
                .containsExactlyInAnyOrderElementsOf(sentBefore);
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = ((TestStepContext) copy.getContext()).bind(st.run(), log, new FilePath(workspace.toFile()));
        ctx.attach(copy);
        a.scenario().timeScale(1_000_000);
        b.scenario().timeScale(1_000_000);
        copy.onResume();
        Map<String, Object> r = (Map<String, Object>) ctx.outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(r).containsEntry("succeeded", 4);
        assertThat(log.text()).contains("[comfyBatch] Jenkins restarted: reattaching to 2 item(s) in flight; 2 never sent will be submitted")
                .contains("reattaching to prompt " + sentBefore.get(0)).contains("reattaching to prompt " + sentBefore.get(1));
        List<String> all = posted();
        assertThat(all).as("each item posted once: the two in flight were not sent again").hasSize(4).doesNotHaveDuplicates()
                .containsAll(sentBefore);
        List<Map<String, Object>> items = (List<Map<String, Object>>) r.get("items");
        assertThat(new HashSet<>(List.of(items.get(0).get("promptId"), items.get(1).get("promptId")))).containsExactlyInAnyOrderElementsOf(sentBefore);
        assertThat(st.context().outcome()).as("the original execution did not end the step").isNotDone();
    }

    /**
     * In a real Pipeline the maps of items: reach the step as Groovy built them: GString keys and values
     * ({@code ["${node}.text": "a fox ${i}", name: "fox-${i}"]}). A non-String CharSequence stands in for GString here:
     * the prompt must carry the text, not a JSON object of the GString's fields.
     */
    @Test
    @SuppressWarnings("unchecked")
    void textKeysAndValuesThatAreNotStringsReachThePromptAsText() throws Exception {
        ComfyBatchStep s = new ComfyBatchStep();
        s.setServer("farm");
        s.setWorkflow(ComfyRunExecutionTest.txt2img());
        Map<Object, Object> item = new java.util.LinkedHashMap<>();
        item.put(new Text("\"Positive Prompt\".text"), new Text("a fox in the snow"));
        item.put("name", new Text("fox-1"));
        item.put("KSampler.seed", 5);
        s.setItems((List<Map<String, Object>>) (List<?>) List.of(item));
        assertThat(s.getItems().get(0)).containsExactly(Map.entry("\"Positive Prompt\".text", "a fox in the snow"),
                Map.entry("name", "fox-1"), Map.entry("KSampler.seed", 5));

        Map<String, Object> r = (Map<String, Object>) start(s).result();
        assertThat(r).containsEntry("succeeded", 1);
        assertThat(((List<Map<String, Object>>) r.get("items")).get(0)).containsEntry("name", "fox-1");
        List<JournalEntry> posts = new ArrayList<>(a.journal().requests("POST", "/prompt"));
        posts.addAll(b.journal().requests("POST", "/prompt"));
        assertThat(JSON.readTree(posts.get(0).text()).at("/prompt/6/inputs/text").asText()).isEqualTo("a fox in the snow");
        assertThatThrownBy(() -> s.setItems((List<Map<String, Object>>) (List<?>) List.of("not a map")))
                .hasMessageContaining("expected a list of maps ([[key: value], ...]) but an element is String not a map");
    }

    /** Text that is a CharSequence but not a String, as Groovy's GString (Jackson would write it as a bean). */
    private record Text(String s) implements CharSequence {
        @Override
        public int length() {
            return s.length();
        }

        @Override
        public char charAt(int index) {
            return s.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }

    @Test
    void badArgumentsFailBeforeAnythingIsSent() throws Exception {
        ComfyBatchStep s = step("nowhere", 1);
        assertThatThrownBy(() -> start(s)).isInstanceOf(AbortException.class)
                .hasMessageContaining("comfyBatch: no ComfyUI server named 'nowhere'").hasMessageContaining("pools: farm");
        ComfyBatchStep bad = step("farm", 2);
        bad.setItems(List.of(Map.of("KSampler.seed", 1), Map.of("KSampler.stepz", 3)));
        Throwable t = start(bad).failure();
        assertThat(t).hasMessageContaining("comfyBatch: item 2 (item-2)").hasMessageContaining("stepz");
        assertThat(posted()).isEmpty();
        ComfyBatchStep noItems = step("farm", 1);
        noItems.setItems(null);
        assertThatThrownBy(() -> start(noItems)).hasMessageContaining("give the items with either items:");
    }

    @Test
    @SuppressWarnings("unchecked")
    void itemsFileWithATemplateMakesOneItemPerLine() throws Exception {
        Files.writeString(workspace.resolve("prompts.txt"), "# subjects\na red fox\n\na lighthouse at dusk\n");
        ComfyBatchStep s = step("farm", 1);
        s.setItems(null);
        s.setItemsFile("prompts.txt");
        s.setTemplate(Map.of("\"Positive Prompt\".text", "{line}", "KSampler.seed", "{index}"));
        Map<String, Object> r = (Map<String, Object>) start(s).result();
        assertThat(r).containsEntry("total", 2).containsEntry("succeeded", 2);
        List<String> texts = new ArrayList<>();
        for (FakeComfyUI f : List.of(a, b)) {
            for (JournalEntry e : f.journal().requests("POST", "/prompt")) {
                JsonNode prompt = JSON.readTree(e.text()).path("prompt");
                prompt.properties().forEach(n -> {
                    if ("Positive Prompt".equals(n.getValue().path("_meta").path("title").asText())) {
                        texts.add(n.getValue().path("inputs").path("text").asText());
                    }
                });
            }
        }
        assertThat(texts).containsExactlyInAnyOrder("a red fox", "a lighthouse at dusk");
    }

    @Test
    void poolsAreValidatedByName() {
        ComfyGlobalConfiguration global = ComfyGlobalConfiguration.get();
        ComfyServerPool bad = new ComfyServerPool("farm2");
        bad.setMembers(List.of(new ComfyServerPool.Member("gpu-z")));
        assertThatThrownBy(() -> global.setPools(List.of(bad))).hasMessageContaining("pool 'farm2': member 'gpu-z' is not a configured server");
        ComfyServerPool clash = new ComfyServerPool("gpu-a");
        clash.setMembers(List.of(new ComfyServerPool.Member("gpu-b")));
        assertThatThrownBy(() -> global.setPools(List.of(clash))).hasMessageContaining("has the name of a server");
    }
}
