package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import hudson.AbortException;
import hudson.FilePath;
import hudson.model.Result;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.fake.FakeComfyUI;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The durable execution against the REAL fake ComfyUI server over loopback, with a StepContext of our own:
 * success inside and outside node {}, failures as one line, stop while queued / running / unreachable, the persisted
 * state round trip and the resume decisions (finished, still running, lost, never submitted), and secrets.
 */
class ComfyRunExecutionTest {
    private static final String TOKEN = "tok-5d1e-never-print-me";
    private static final long WAIT_SECONDS = 60;

    @TempDir
    Path workspace;

    private FakeComfyUI fake;
    private ComfyGlobalConfiguration global;

    @BeforeEach
    void setUp() {
        fake = FakeComfyUI.builder().port(0).timeScale(100).seed(7).start();
        ComfyRuntime.startAgainAfterShutdown(); // a test that stopped "Jenkins" must not leave the next one shutting down
        global = TestJenkins.reset();
        ComfyServer server = new ComfyServer("fake", fake.baseUrl().toString());
        server.setCredentialsId("comfy-token");
        global.setServers(List.of(server));
        TestJenkins.credentials().add(new TestJenkins.SecretText("comfy-token", TOKEN));
    }

    @AfterEach
    void tearDown() {
        ComfyRunExecution.stopGrace = Duration.ofSeconds(25);
        ComfyRunExecution.workspaceWait = Duration.ofMinutes(5);
        fake.close();
    }

    static String txt2img() {
        try (InputStream in = Objects.requireNonNull(ComfyRunExecutionTest.class.getResourceAsStream("txt2img.json"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int submissions() {
        return fake.journal().requests("POST", "/prompt").size();
    }

    /** One running step: its execution, context, build and log. */
    private record Started(ComfyRunExecution execution, TestStepContext context, TestJenkins.TestRun run,
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

        ComfyRunAction action() {
            return run.getAction(ComfyRunAction.class);
        }
    }

    private Started start(ComfyRunStep step, FilePath ws) throws Exception {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = new TestStepContext(run, log, ws);
        ctx.observeSubmissions(this::submissions);
        ComfyRunExecution e = (ComfyRunExecution) step.start(ctx);
        ctx.attach(e);
        assertThat(e.start()).as("start() hands off and returns at once").isFalse();
        return new Started(e, ctx, run, log);
    }

    private static ComfyRunStep step() {
        ComfyRunStep s = new ComfyRunStep();
        s.setServer("fake");
        s.setWorkflow(txt2img());
        return s;
    }

    private void slowSampler() {
        fake.scenario().steps("KSampler", 1_000_000).stepsPerSecond("KSampler", 2);
    }

    /** Plain types only, recursively: what the CPS sandbox and program.dat accept. */
    private static void assertPlain(Object o) {
        if (o instanceof Map<?, ?> m) {
            assertThat(m).isInstanceOf(java.util.LinkedHashMap.class);
            m.forEach((k, v) -> {
                assertThat(k).isInstanceOf(String.class);
                assertPlain(v);
            });
        } else if (o instanceof List<?> l) {
            assertThat(l).isInstanceOf(java.util.ArrayList.class);
            l.forEach(ComfyRunExecutionTest::assertPlain);
        } else if (o != null) {
            assertThat(o).isInstanceOfAny(String.class, Long.class, Integer.class, Double.class, Boolean.class);
        }
    }

    // ---------------------------------------------------------------- success

    @Test
    void succeedsInsideNodeWritesOutputsAndReturnsAPlainMap() throws Exception {
        ComfyRunStep s = step();
        s.setSet(Map.of("KSampler.seed", 1234));
        Started st = start(s, new FilePath(workspace.toFile()));
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) st.result();

        assertPlain(r);
        assertThat(r).containsEntry("status", "success").containsEntry("server", "fake").containsKeys("promptId", "method",
                "durationMillis", "nodes", "outputs", "errors");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outputs = (List<Map<String, Object>>) r.get("outputs");
        assertThat(outputs).isNotEmpty();
        assertThat(outputs.get(0).keySet()).contains("node", "filename", "subfolder", "type", "path", "size");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) r.get("nodes");
        assertThat(nodes).isNotEmpty().allSatisfy(n -> assertThat(n.keySet()).containsExactly("id", "class", "title", "cached", "milliseconds"));
        String path = (String) outputs.get(0).get("path");
        assertThat(path).startsWith("comfyui-out/");
        assertThat(workspace.resolve(path)).exists().hasSize((Long) outputs.get(0).get("size"));
        try (var files = Files.walk(workspace)) {
            assertThat(files.map(Path::toString)).noneMatch(f -> f.endsWith(".part"));
        }

        String log = st.log().text();
        assertThat(log).contains("[ComfyUI] prompt").contains("node 3 KSampler").contains("saved 1 output");
        assertThat(st.action().getStatus()).isEqualTo("SUCCESS");
        assertThat(st.action().getOutputs()).extracting(ComfyRunAction.OutputEntry::getPath).containsExactly(path);
        assertThat(st.execution().getStatus()).isEqualTo("finished");
        assertThat(submissions()).isEqualTo(1);
    }

    @Test
    void anEditorSavedWorkflowFileRunsConvertedAndTheBuildPageSaysSo() throws Exception {
        Path flows = Files.createDirectories(workspace.resolve("flows"));
        Files.copy(Path.of("..", "examples", "workflows", "txt2img.ui.json"), flows.resolve("txt2img.ui.json"));
        ComfyRunStep s = new ComfyRunStep();
        s.setServer("fake");
        s.setWorkflowFile("flows/txt2img.ui.json");
        s.setSet(Map.of("\"Positive Prompt\".text", "a red fox"));
        Started st = start(s, new FilePath(workspace.toFile()));
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) st.result();

        assertThat(r).containsEntry("status", "success");
        String converted = "converted from UI format with the node catalogue of " + fake.baseUrl().toString().replaceAll("/$", "");
        assertThat(st.log().text()).contains("[ComfyUI] flows/txt2img.ui.json: " + converted);
        assertThat(st.action().getWorkflowFormat()).isEqualTo(converted);
        var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(fake.journal().requests("POST", "/prompt").get(0).text());
        assertThat(body.at("/prompt/6/inputs/text").asText()).isEqualTo("a red fox");
        assertThat(body.at("/extra_data/extra_pnginfo/workflow/nodes").size()).isEqualTo(7);

        Started api = start(step(), null);
        api.result();
        assertThat(api.action().getWorkflowFormat()).isEqualTo("API format");
        assertThat(api.log().text()).doesNotContain("converted from UI format");
    }

    @Test
    void promptIdIsPersistedBeforeThePost() throws Exception {
        Started st = start(step(), null);
        st.result();
        assertThat(st.context().saves()).isGreaterThanOrEqualTo(1);
        assertThat(st.context().submissionsSeenAtFirstSave()).as("POST /prompt seen when state was first saved").isZero();
        ComfyRunExecution saved = TestStepContext.deserialize(st.context().firstSaved(), ComfyRunExecution.class);
        assertThat(saved.snapshot()).isNotNull();
        assertThat(saved.snapshot().promptId()).isEqualTo(st.action().getPromptId());
        assertThat(saved.target().url()).isEqualTo(fake.baseUrl().toString());
        // Later saves carry the progress (accepted, started, nodes done), so a resume keeps deadlines absolute.
        ComfyRunExecution last = TestStepContext.deserialize(st.context().lastSaved(), ComfyRunExecution.class);
        assertThat(last.snapshot().promptId()).isEqualTo(st.action().getPromptId());
        assertThat(last.snapshot().submittedAt()).isNotNull();
        assertThat(last.snapshot().logged()).contains("submitted", "started");
    }

    /**
     * program.dat is written by JBoss Marshalling River 1.4.12, which predates Java records: nothing reachable from
     * the persisted execution may be a record (the engine's PromptSnapshot travels as JSON text). Walks the whole
     * serialized object graph of a submitted (and of a finished) execution.
     */
    @Test
    void persistedFormContainsNoRecord() throws Exception {
        slowSampler();
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.context().lastSaved() != null);
        assertThat(st.execution().snapshot()).as("the execution holds the engine's snapshot").isNotNull();
        assertThat(recordsReachableFrom(st.execution())).isEmpty();
        ComfyRunExecution copy = TestStepContext.deserialize(TestStepContext.serialize(st.execution()), ComfyRunExecution.class);
        assertThat(copy.snapshot()).as("the snapshot comes back from its JSON form").isEqualTo(st.execution().snapshot());
        st.execution().stop(new FlowInterruptedException(Result.ABORTED));
        st.failure();
        assertThat(recordsReachableFrom(st.execution())).isEmpty();
    }

    private static java.util.Set<String> recordsReachableFrom(Object root) throws IOException {
        java.util.Set<String> records = new java.util.TreeSet<>();
        class Walker extends java.io.ObjectOutputStream {
            Walker() throws IOException {
                super(java.io.OutputStream.nullOutputStream());
                enableReplaceObject(true);
            }

            @Override
            protected Object replaceObject(Object obj) {
                if (obj.getClass().isRecord()) {
                    records.add(obj.getClass().getName());
                }
                return obj;
            }

            @Override
            protected void annotateClass(Class<?> cl) {
                if (cl.isRecord()) {
                    records.add(cl.getName());
                }
            }
        }
        try (Walker w = new Walker()) {
            w.writeObject(root);
        }
        return records;
    }

    @Test
    void outsideNodeNothingIsDownloadedButOutputsAreListed() throws Exception {
        Started st = start(step(), null);
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) st.result();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outputs = (List<Map<String, Object>>) r.get("outputs");
        assertThat(outputs).isNotEmpty().allSatisfy(o -> {
            assertThat(o.get("path")).isNull();
            assertThat(o.get("size")).isEqualTo(-1L);
        });
    }

    @Test
    void workflowFileNeedsAWorkspace() throws Exception {
        ComfyRunStep s = new ComfyRunStep();
        s.setServer("fake");
        s.setWorkflowFile("flows/a.json");
        Throwable t = start(s, null).failure();
        assertThat(t).isInstanceOf(AbortException.class).hasMessageContaining("node { }");
        Files.createDirectories(workspace.resolve("flows"));
        Files.writeString(workspace.resolve("flows/a.json"), txt2img());
        assertThat(start(s, new FilePath(workspace.toFile())).result()).isInstanceOf(Map.class);
    }

    @Test
    void workflowFileAndInputsMustStayInsideTheWorkspaceAndInputsMustBeText() throws Exception {
        FilePath ws = new FilePath(workspace.toFile());
        ComfyRunStep outside = new ComfyRunStep();
        outside.setServer("fake");
        outside.setWorkflowFile("../elsewhere/flow.json");
        assertThat(start(outside, ws).failure()).isInstanceOf(AbortException.class)
                .hasMessageContaining("workflowFile: '../elsewhere/flow.json' must be a path inside the workspace");

        ComfyRunStep number = step();
        number.setInputs(Map.of("LoadImage.image", 42));
        assertThat(start(number, ws).failure()).isInstanceOf(AbortException.class)
                .hasMessageContaining("inputs: 'LoadImage.image' must name a workspace file");

        ComfyRunStep escape = step();
        escape.setInputs(Map.of("LoadImage.image", "../secret.png"));
        assertThat(start(escape, ws).failure()).isInstanceOf(AbortException.class).hasMessageContaining("inside the workspace");
        assertThat(submissions()).isZero();
    }

    // ---------------------------------------------------------------- failures: one line

    @Test
    void badArgumentsFailBeforeAnythingIsSent() {
        ComfyRunStep none = new ComfyRunStep();
        assertThatThrownBy(() -> start(none, null)).isInstanceOf(AbortException.class).hasMessageContaining("workflow");
        ComfyRunStep both = step();
        both.setWorkflowFile("x.json");
        assertThatThrownBy(() -> start(both, null)).isInstanceOf(AbortException.class).hasMessageContaining("not both");
        ComfyRunStep escape = step();
        escape.setOutputDir("../elsewhere");
        assertThatThrownBy(() -> start(escape, null)).isInstanceOf(AbortException.class).hasMessageContaining("..");
        assertThat(submissions()).isZero();
    }

    @Test
    void uiFormatAndBadOverridesFailWithoutSubmitting() throws Exception {
        ComfyRunStep ui = step();
        ui.setWorkflow("{\"nodes\": [], \"links\": [], \"version\": 0.4}");
        assertThat(start(ui, null).failure()).isInstanceOf(AbortException.class)
                .hasMessageContaining("has no node the server would run");
        ComfyRunStep badSet = step();
        badSet.setSet(Map.of("NoSuchNode.seed", 1));
        assertThat(start(badSet, null).failure()).isInstanceOf(AbortException.class).hasMessageContaining("NoSuchNode");
        assertThat(submissions()).isZero();
    }

    @Test
    void rejectedWorkflowFailsWithTheNodeAtFault() throws Exception {
        ComfyRunStep s = step();
        s.setSet(Map.of("KSampler.steps", 0));
        Throwable t = start(s, null).failure();
        assertThat(t).isInstanceOf(AbortException.class).hasMessageContaining("rejected").hasMessageContaining("node 3");
        assertThat(t.getMessage()).doesNotContain("\n");
    }

    @Test
    void runtimeFailureNamesNodeClassAndMessage() throws Exception {
        fake.faults().executionErrorAt("8", "OutOfMemoryError", "CUDA out of memory");
        Started st = start(step(), null);
        Throwable t = st.failure();
        assertThat(t).isInstanceOf(AbortException.class).hasMessageContaining("failed").hasMessageContaining("node 8")
                .hasMessageContaining("CUDA out of memory");
        assertThat(st.action().getStatus()).isEqualTo("FAILED");
    }

    // ---------------------------------------------------------------- stop

    @Test
    void stopWhileRunningInterruptsOnlyOurPromptAndEndsWithTheGivenCause() throws Exception {
        slowSampler();
        Started st = start(step(), null);
        // getStatus() says where it is: "node 3 KSampler 12% (prompt ... on fake)"
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.execution().getStatus().contains("node 3 KSampler"));
        // the build page follows the same event on the listener's thread: await it too, not assume it already ran
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> "3 KSampler".equals(st.action().getCurrentNode()));
        FlowInterruptedException cause = new FlowInterruptedException(Result.ABORTED);
        st.execution().stop(cause); // must not block
        assertThat(st.failure()).isSameAs(cause);
        String id = st.action().getPromptId();
        assertThat(fake.journal().requests("POST", "/interrupt")).singleElement().satisfies(e -> assertThat(e.text()).contains(id));
        assertThat(submissions()).isEqualTo(1);
        st.execution().stop(cause); // a second stop is harmless
    }

    @Test
    void stopWhileQueuedDeletesOurPromptAndLeavesOthersRunning() throws Exception {
        slowSampler();
        Started blocker = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> blocker.action() != null && "RUNNING".equals(blocker.action().getStatus()));
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "QUEUED".equals(st.action().getStatus()));
        FlowInterruptedException cause = new FlowInterruptedException(Result.ABORTED);
        st.execution().stop(cause);
        assertThat(st.failure()).isSameAs(cause);
        String id = st.action().getPromptId();
        assertThat(fake.journal().requests("POST", "/queue")).anySatisfy(e -> assertThat(e.text()).contains(id));
        assertThat(fake.journal().requests("POST", "/interrupt")).isEmpty();
        assertThat(blocker.context().outcome()).isNotDone();
        blocker.execution().stop(cause);
        assertThat(blocker.failure()).isSameAs(cause);
    }

    @Test
    void stopWhileServerUnreachableStillEndsTheStep() throws Exception {
        ComfyRunExecution.stopGrace = Duration.ofSeconds(2);
        slowSampler();
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        fake.close();
        FlowInterruptedException cause = new FlowInterruptedException(Result.ABORTED);
        st.execution().stop(cause);
        assertThat(st.failure()).isSameAs(cause);
    }

    @Test
    void stopEndsTheStepEvenWhenEveryPoolThreadIsBusy() throws Exception {
        ComfyRunExecution.stopGrace = Duration.ofSeconds(2);
        slowSampler();
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        // four long downloads or state saves of other steps: the blocking pool has no thread left
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            ComfyRuntime.executor().execute(() -> {
                busy.countDown();
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            assertThat(busy.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            fake.close(); // and ComfyUI cannot confirm the cancel
            FlowInterruptedException cause = new FlowInterruptedException(Result.ABORTED);
            st.execution().stop(cause);
            assertThat(st.failure()).isSameAs(cause);
        } finally {
            release.countDown();
        }
    }

    @Test
    void stopWithCancelOnAbortFalseLeavesThePromptRunning() throws Exception {
        slowSampler();
        ComfyRunStep s = step();
        s.setCancelOnAbort(false);
        Started st = start(s, null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        FlowInterruptedException cause = new FlowInterruptedException(Result.ABORTED);
        st.execution().stop(cause);
        assertThat(st.failure()).isSameAs(cause);
        assertThat(fake.journal().requests("POST", "/interrupt")).isEmpty();
        assertThat(st.log().text()).contains("left running");
    }

    // ---------------------------------------------------------------- resume decisions

    /** "Restarts" Jenkins: the saved bytes become a new execution bound to a fresh build log, then onResume(). */
    private Started resume(Started before) {
        ComfyRuntime.startAgainAfterShutdown(); // the restarted controller
        ComfyRunExecution copy = TestStepContext.deserialize(before.context().lastSaved(), ComfyRunExecution.class);
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = ((TestStepContext) copy.getContext()).bind(before.run(), log, null);
        ctx.attach(copy);
        copy.onResume();
        return new Started(copy, ctx, before.run(), log);
    }

    @Test
    void resumeAfterThePromptFinishedReportsItWithoutResubmitting() throws Exception {
        Started st = start(step(), null);
        st.result();
        Started resumed = resume(st);
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) resumed.result();
        assertThat(r).containsEntry("status", "success").containsEntry("promptId", st.action().getPromptId());
        assertThat(resumed.log().text()).contains("reattaching to prompt " + st.action().getPromptId());
        assertThat(submissions()).isEqualTo(1);
    }

    @Test
    void resumeWhileStillRunningFollowsTheSamePrompt() throws Exception {
        // certainly still running across the "restart": 10,000 steps of half a virtual second, 50 s of real time
        fake.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        String id = st.action().getPromptId();
        // what Jenkins does on its way down (the @Terminator): the engine closes, so the original execution stops
        // following the prompt; only the resumed copy follows it from here
        ComfyRuntime.shutdown();
        assertThat(isRunningOnTheFake(id)).as("the prompt outlives the controller").isTrue();

        Started resumed = resume(st);
        // after a restart the engine knows node ids from the server's events (the workflow JSON is not persisted)
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> resumed.execution().getStatus().startsWith("node 3 "));
        assertThat(isRunningOnTheFake(id)).as("the resumed step follows a prompt that is still running").isTrue();
        assertThat(resumed.log().text()).contains("reattaching to prompt " + id);
        fake.scenario().timeScale(1_000_000); // let the remaining steps run out quickly

        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) resumed.result();
        assertThat(r).containsEntry("status", "success").containsEntry("promptId", id);
        assertThat(submissions()).isEqualTo(1);
        assertThat(st.context().outcome()).as("the original execution did not end the step").isNotDone();
    }

    /** Asks the fake the way any client would: is this prompt in {@code queue_running} of {@code GET /queue}? */
    private boolean isRunningOnTheFake(String promptId) throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(fake.baseUrl() + "/queue"))
                        .timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        for (com.fasterxml.jackson.databind.JsonNode row : new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body())
                .path("queue_running")) {
            if (promptId.equals(row.path(1).asText())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void resumeOfAPromptTheServerForgotFailsAsLost() throws Exception {
        slowSampler();
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        fake.restart(); // loses queue and history
        Started resumed = resume(st);
        Throwable t = resumed.failure();
        assertThat(t).isInstanceOf(AbortException.class).hasMessageContaining("lost");
        assertThat(submissions()).isEqualTo(1);
    }

    @Test
    void resumeBeforeAnythingWasSubmittedNeverSubmits() throws Exception {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        TestStepContext ctx = new TestStepContext(run, new TestJenkins.BufferListener(), null);
        ComfyRunExecution e = (ComfyRunExecution) step().start(ctx); // constructed, never started
        ComfyRunExecution copy = TestStepContext.deserialize(TestStepContext.serialize(e), ComfyRunExecution.class);
        TestStepContext ctx2 = ((TestStepContext) copy.getContext()).bind(run, new TestJenkins.BufferListener(), null);
        copy.onResume();
        Throwable t = ctx2.outcome().handle((r, x) -> x).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(t).isInstanceOf(AbortException.class).hasMessageContaining("before the prompt was submitted");
        assertThat(submissions()).isZero();
    }

    // ---------------------------------------------------------------- what a real Jenkins does (issue 14)

    /** node {} in a new job allocates the workspace without creating it: the step creates it and saves the PNG. */
    @Test
    void aNewJobsWorkspaceThatDoesNotExistYetGetsTheOutputs() throws Exception {
        Path fresh = workspace.resolve("workspace/new-job");
        Started st = start(step(), new FilePath(fresh.toFile()));
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) st.result();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outputs = (List<Map<String, Object>>) r.get("outputs");
        assertThat(fresh.resolve((String) outputs.get(0).get("path"))).exists();
        assertThat(st.log().text()).contains("saved 1 output");
    }

    @Test
    void aWorkflowFileOrInputInAWorkspaceNotCreatedYetIsReportedAsMissingNotAsOutside() throws Exception {
        FilePath fresh = new FilePath(workspace.resolve("workspace/new-job").toFile());
        ComfyRunStep file = new ComfyRunStep();
        file.setServer("fake");
        file.setWorkflowFile("flows/a.json");
        assertThat(start(file, fresh).failure()).isInstanceOf(AbortException.class)
                .hasMessageContaining("workflow file 'flows/a.json' does not exist").hasMessageContaining("has not been created yet");
        ComfyRunStep input = step();
        input.setInputs(Map.of("LoadImage.image", "in/photo.png"));
        assertThat(start(input, fresh).failure()).isInstanceOf(AbortException.class)
                .hasMessageContaining("file 'in/photo.png' (for LoadImage.image) does not exist").hasMessageContaining("has not been created yet");
        assertThat(submissions()).isZero();
    }

    /** JSON is UTF-8: a prompt text with non-ASCII characters reaches the server unchanged whatever the JVM's charset. */
    @Test
    void workflowFileIsReadAsUtf8() throws Exception {
        String text = "caf\u00e9 \u2615 \u65e5\u672c";
        String flow = txt2img().replace("\"inputs\": {\"text\": \"", "\"inputs\": {\"text\": \"" + text + " ");
        assertThat(flow).as("the fixture has a CLIPTextEncode text to extend").contains(text);
        Files.createDirectories(workspace.resolve("flows"));
        Files.write(workspace.resolve("flows/utf8.json"), flow.getBytes(StandardCharsets.UTF_8));
        ComfyRunStep s = new ComfyRunStep();
        s.setServer("fake");
        s.setWorkflowFile("flows/utf8.json");
        start(s, new FilePath(workspace.toFile())).result();
        assertThat(fake.journal().requests("POST", "/prompt")).singleElement().satisfies(e -> assertThat(e.text()).contains(text));
    }

    /**
     * After a restart the context answers no workspace until node {} has its agent again (null, or an exception while
     * the agent is gone): the step waits for it, says so, then saves the outputs. Never "outside node {}".
     */
    @Test
    void afterARestartTheStepWaitsForTheWorkspaceInsteadOfSkippingTheOutputs() throws Exception {
        fake.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        Started st = start(step(), new FilePath(workspace.toFile()));
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        ComfyRuntime.shutdown();
        ComfyRuntime.startAgainAfterShutdown();
        Started resumed = resume(st); // bound with no workspace, as CPS does before the node re-locks its agent
        resumed.context().agentGone();
        fake.scenario().timeScale(1_000_000);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> resumed.log().text().contains("waiting up to"));
        assertThat(resumed.context().outcome()).as("no success without the outputs").isNotDone();
        resumed.context().workspaceBack(new FilePath(workspace.toFile()));
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) resumed.result();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outputs = (List<Map<String, Object>>) r.get("outputs");
        assertThat(outputs).isNotEmpty().allSatisfy(o -> assertThat(workspace.resolve((String) o.get("path"))).exists());
        assertThat(resumed.log().text()).contains("for the workspace of node { }").contains("saved 1 output");
    }

    @Test
    void afterARestartAWorkspaceThatNeverComesBackFailsNamingTheUnsavedOutputs() throws Exception {
        ComfyRunExecution.workspaceWait = Duration.ofSeconds(3);
        fake.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        Started st = start(step(), new FilePath(workspace.toFile()));
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        ComfyRuntime.shutdown();
        ComfyRuntime.startAgainAfterShutdown();
        Started resumed = resume(st);
        fake.scenario().timeScale(1_000_000);
        Throwable t = resumed.failure();
        assertThat(t).isInstanceOf(AbortException.class).hasMessageContaining("did not come back")
                .hasMessageContaining("output(s) were NOT saved");
        assertThat(resumed.action().getStatus()).isEqualTo("SUCCESS");
        assertThat(resumed.action().getErrors()).anySatisfy(e -> assertThat(e).contains("did not come back"));
    }

    /**
     * Jenkins stops while an output downloads: the interrupted download must not fail the step (Pipeline has saved
     * it); after the restart the step resumes, downloads and succeeds.
     */
    @Test
    void aShutdownDuringADownloadLeavesTheStepToResume() throws Exception {
        fake.faults().httpDelay(io.comfyrun.fake.scenario.Trigger.onRoute("GET", "/view"), 300_000);
        Started st = start(step(), new FilePath(workspace.toFile()));
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> !fake.journal().requests("GET", "/view").isEmpty());
        ComfyRuntime.shutdown(); // interrupts the pool thread that downloads
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.context().outcome().isDone() || st.execution().leftForResume());
        assertThat(st.context().outcome()).as("the shutdown did not end the step").isNotDone();

        ComfyRuntime.startAgainAfterShutdown();
        fake.faults().clear();
        Started resumed = resume(st);
        resumed.context().workspaceBack(new FilePath(workspace.toFile()));
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) resumed.result();
        assertThat(r).containsEntry("status", "success");
        try (var files = Files.walk(workspace)) {
            assertThat(files.map(Path::toString)).anyMatch(f -> f.endsWith(".png")).noneMatch(f -> f.endsWith(".part"));
        }
        assertThat(submissions()).isEqualTo(1);
    }

    /** The fallback ends a stop before the INTERRUPTED result can arrive: the build page must still say ABORTED. */
    @Test
    void aStopThatEndsTheStepFirstIsRecordedOnTheBuildPage() throws Exception {
        ComfyRunExecution.stopGrace = Duration.ofMillis(200);
        slowSampler();
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        fake.faults().httpDelay(io.comfyrun.fake.scenario.Trigger.onRoute("POST", "/interrupt"), 100_000_000);
        FlowInterruptedException cause = new FlowInterruptedException(Result.ABORTED);
        st.execution().stop(cause);
        assertThat(st.failure()).isSameAs(cause);
        assertThat(st.action().getStatus()).isEqualTo("ABORTED");
        assertThat(st.action().isInProgress()).isFalse();
        assertThat(st.action().getCurrentNode()).isNull();
    }

    @Test
    void anOutputThatCannotBeSavedIsRecordedOnTheBuildPage() throws Exception {
        Files.writeString(workspace.resolve("comfyui-out"), "a file where the output directory should be");
        Started st = start(step(), new FilePath(workspace.toFile()));
        assertThat(st.failure()).isInstanceOf(AbortException.class).hasMessageContaining("could not be saved");
        assertThat(st.action().getStatus()).isEqualTo("SUCCESS"); // the prompt did succeed on ComfyUI
        assertThat(st.action().isInProgress()).isFalse();
        assertThat(st.action().getErrors()).anySatisfy(e -> assertThat(e).startsWith("not saved: "));
    }

    /** stop() raced with a reattach that was still waiting for a pool thread: no heartbeat outlives the step. */
    @Test
    void noHeartbeatOutlivesAStepStoppedWhileItsReattachWaited() throws Exception {
        ComfyRunExecution.stopGrace = Duration.ofMillis(200);
        slowSampler();
        Started st = start(step(), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        ComfyRuntime.shutdown();
        ComfyRuntime.startAgainAfterShutdown();
        ComfyRunExecution copy = TestStepContext.deserialize(st.context().lastSaved(), ComfyRunExecution.class);
        TestStepContext ctx = ((TestStepContext) copy.getContext()).bind(st.run(), new TestJenkins.BufferListener(), null);
        ctx.attach(copy);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(4);
        for (int i = 0; i < 4; i++) { // every pool thread busy: the reattach waits in the queue
            ComfyRuntime.executor().execute(() -> {
                busy.countDown();
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(busy.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        copy.onResume();
        FlowInterruptedException cause = new FlowInterruptedException(Result.ABORTED);
        copy.stop(cause); // the fallback ends the step while the reattach still waits
        assertThat(ctx.outcome().handle((r, x) -> x).get(WAIT_SECONDS, TimeUnit.SECONDS)).isSameAs(cause);
        release.countDown();
        String id = st.action().getPromptId();
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> fake.journal().requests("POST", "/interrupt").stream()
                .anyMatch(e -> e.text().contains(id)));
        java.util.concurrent.ScheduledThreadPoolExecutor timers = (java.util.concurrent.ScheduledThreadPoolExecutor) ComfyRuntime.timers();
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> timers.getQueue().isEmpty());
    }

    /** Progress snapshots while Pipeline is slow to write: at most one save waits, and the last one has the latest state. */
    @Test
    void progressSavesAreCoalescedToOnePendingSave() throws Exception {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        TestStepContext ctx = new TestStepContext(run, new TestJenkins.BufferListener(), new FilePath(workspace.toFile()));
        ctx.holdSaves(); // the save before the POST completes; every later one waits, like a busy CPS VM thread
        ComfyRunExecution e = (ComfyRunExecution) step().start(ctx);
        ctx.attach(e);
        e.start();
        ctx.outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(ctx.mostPendingAtOnce()).isEqualTo(1);
        ctx.releaseSaves();
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> ctx.mostPendingAtOnce() == 1 && ctx.lastSaved() != null);
        ComfyRunExecution saved = TestStepContext.deserialize(ctx.lastSaved(), ComfyRunExecution.class);
        assertThat(saved.snapshot().promptId()).isEqualTo(e.snapshot().promptId());
    }

    /** The step's own poll interval and the server's timeouts are in the engine settings of its prompt, fresh and resumed. */
    @Test
    void theStepsOwnServerSettingsAreHandedToTheEngineOnSubmitAndResume() throws Exception {
        ComfyServer slow = new ComfyServer("slow", fake.baseUrl().toString());
        slow.setReadTimeoutSeconds(45);
        slow.setConnectTimeoutSeconds(7);
        global.setServers(List.of(slow));
        ComfyRunStep s = step();
        s.setServer("slow");
        s.setPollInterval(3);
        Started st = start(s, null);
        st.result();
        for (ComfyRunExecution e : List.of(st.execution(),
                TestStepContext.deserialize(st.context().lastSaved(), ComfyRunExecution.class))) {
            ServerConfig c = e.serverConfig(st.run());
            assertThat(c.pollMax()).isEqualTo(Duration.ofSeconds(3));
            assertThat(c.timeouts().read()).isEqualTo(Duration.ofSeconds(45));
            assertThat(c.timeouts().connect()).isEqualTo(Duration.ofSeconds(7));
        }
    }

    // ---------------------------------------------------------------- secrets

    /** With a bearer token (secret text) and with basic auth (username/password): no trace of the secret anywhere. */
    @ParameterizedTest
    @ValueSource(strings = {"bearer", "basic"})
    void theTokenNeverAppearsAnywhereTheStepProduces(String kind) throws Exception {
        String secret = TOKEN;
        List<String> forms = new ArrayList<>(List.of(secret));
        if (kind.equals("basic")) {
            secret = "pw-9c1f-never-print-me";
            TestJenkins.credentials().add(new TestJenkins.UserPassword("comfy-basic", "jenkins", secret));
            ComfyServer server = new ComfyServer("fake", fake.baseUrl().toString());
            server.setCredentialsId("comfy-basic");
            global.setServers(List.of(server));
            forms = List.of(secret, java.util.Base64.getEncoder().encodeToString(("jenkins:" + secret)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        Started ok = start(step(), new FilePath(workspace.toFile()));
        Object result = ok.result();
        fake.faults().executionErrorAt("8", "RuntimeException", "boom");
        ComfyRunStep other = step();
        other.setSet(Map.of("KSampler.seed", 99)); // not cached, so node 8 runs and fails
        Started bad = start(other, null);
        Throwable failure = bad.failure();

        List<String> texts = new ArrayList<>(List.of(ok.log().text(), bad.log().text(), String.valueOf(result),
                failure.toString(), new String(ok.context().lastSaved(), StandardCharsets.ISO_8859_1),
                ok.execution().getStatus(), ServerConfig.of(fake.baseUrl()).toString()));
        int getters = 0;
        for (ComfyRunAction a : List.of(ok.action(), bad.action())) {
            StringBuilder model = new StringBuilder();
            getters += dumpModel(a, model, 0);
            texts.add(model.toString());
        }
        assertThat(getters).as("public getters of the build-page model read (both actions, rows included)")
                .isGreaterThan(40);
        assertThat(texts.get(7)).as("the model dump holds the outputs").contains("png");
        for (String form : forms) {
            assertThat(texts).as(kind + ": nothing the step produced holds " + form)
                    .allSatisfy(t -> assertThat(t).doesNotContain(form));
        }
    }

    /**
     * Every public no-argument getter of the build-page model (what the Jelly views read), and of the rows in its
     * lists (nodes, outputs, thumbnails), appended to {@code out}; returns how many were read.
     */
    private static int dumpModel(Object o, StringBuilder out, int depth) throws Exception {
        if (o == null || depth > 3 || !o.getClass().getPackageName().equals(ComfyRunAction.class.getPackageName())) {
            out.append(o).append('|');
            return 0;
        }
        int n = 0;
        for (java.lang.reflect.Method m : o.getClass().getMethods()) {
            boolean getter = m.getName().startsWith("get") || m.getName().startsWith("is");
            if (!getter || m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class
                    || m.getName().equals("getRun")) {
                continue;
            }
            n++;
            Object v = m.invoke(o);
            out.append(m.getName()).append('=');
            if (v instanceof Iterable<?> items) {
                for (Object item : items) {
                    n += dumpModel(item, out, depth + 1);
                }
            } else {
                n += dumpModel(v, out, depth + 1);
            }
        }
        return n;
    }
}
