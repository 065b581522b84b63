package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import hudson.AbortException;
import hudson.FilePath;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** comfyChain's durable execution against two REAL fake servers in a pool: the chain stays on the member it was routed to. */
class ComfyChainExecutionTest {
    private static final long WAIT_SECONDS = 90;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = Path.of("..", "examples", "workflows");

    @TempDir
    Path workspace;

    private FakeComfyUI a;
    private FakeComfyUI b;

    @BeforeEach
    void setUp() throws Exception {
        a = FakeComfyUI.builder().port(0).timeScale(100).seed(31).start();
        b = FakeComfyUI.builder().port(0).timeScale(100).seed(32).start();
        ComfyGlobalConfiguration global = TestJenkins.reset();
        global.setServers(List.of(new ComfyServer("gpu-a", a.baseUrl().toString()), new ComfyServer("gpu-b", b.baseUrl().toString())));
        ComfyServerPool farm = new ComfyServerPool("farm");
        farm.setMembers(List.of(new ComfyServerPool.Member("gpu-a"), new ComfyServerPool.Member("gpu-b")));
        global.setPools(List.of(farm));
        Files.createDirectories(workspace.resolve("flows"));
        Files.copy(EXAMPLES.resolve("txt2img.json"), workspace.resolve("flows/txt2img.json"));
        Files.copy(EXAMPLES.resolve("img2img.json"), workspace.resolve("flows/img2img.json"));
    }

    @AfterEach
    void tearDown() {
        ComfyRuntime.shutdown();
        a.close();
        b.close();
    }

    private static ComfyChainStep chain(Map<String, Object> secondSet) {
        ComfyChainStep s = new ComfyChainStep();
        s.setServer("farm");
        Map<String, Object> second = new java.util.HashMap<>(Map.of("name", "watercolour", "workflowFile", "flows/img2img.json",
                "into", "\"Load Image\".image", "from", "9"));
        if (secondSet != null) {
            second.put("set", secondSet);
        }
        s.setSteps(List.of(Map.of("name", "draft", "workflowFile", "flows/txt2img.json", "set", Map.of("KSampler.seed", 42)), second));
        return s;
    }

    private record Started(ComfyChainExecution execution, TestStepContext context, TestJenkins.BufferListener log) {
    }

    private Started start(ComfyChainStep step) throws Exception {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = new TestStepContext(run, log, new FilePath(workspace.toFile()));
        ComfyChainExecution e = (ComfyChainExecution) step.start(ctx);
        ctx.attach(e);
        assertThat(e.start()).isFalse();
        return new Started(e, ctx, log);
    }

    private List<String> posted(FakeComfyUI f) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JournalEntry e : f.journal().requests("POST", "/prompt")) {
            ids.add(JSON.readTree(e.text()).path("prompt_id").asText());
        }
        return ids;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFirstStepsImageGoesIntoTheSecondOnTheSameMember() throws Exception {
        Started st = start(chain(null));
        Map<String, Object> r = (Map<String, Object>) st.context().outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(r).containsEntry("status", "success");
        String member = (String) r.get("server");
        FakeComfyUI used = member.equals("gpu-a") ? a : b;
        FakeComfyUI other = used == a ? b : a;
        assertThat(posted(used)).hasSize(2);
        assertThat(posted(other)).isEmpty();
        assertThat(used.journal().requests("POST", "/upload/image")).hasSize(1);
        List<Map<String, Object>> steps = (List<Map<String, Object>>) r.get("steps");
        assertThat(steps).extracting(m -> m.get("status")).containsExactly("success", "success");
        assertThat((List<String>) steps.get(1).get("outputs")).singleElement()
                .satisfies(p -> assertThat(p).startsWith("comfyui-out/watercolour/"));
        String posted2 = used.journal().requests("POST", "/prompt").get(1).text();
        assertThat(JSON.readTree(posted2).path("prompt").path("10").path("inputs").path("image").asText()).endsWith(".png");
        assertThat(st.log().text()).contains("[comfyChain] 2 steps on pool farm")
                .containsPattern("\\[comfyChain\\] step 2/2 \\(watercolour\\): \\S+\\.png from step 1 goes into \"Load Image\"\\.image")
                .contains("[comfyChain] 2 of 2 steps succeeded on " + member);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRestartWhileTheSecondStepRunsReattachesToItAndSubmitsNothingAgain() throws Exception {
        for (FakeComfyUI f : List.of(a, b)) {
            f.scenario().stepsPerSecond("KSampler", 2); // the draft's 20 steps: 0.1 s; the second step's 5,000: 25 s
        }
        Started st = start(chain(Map.of("KSampler.steps", 5000)));
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> posted(a).size() + posted(b).size() == 2);
        byte[] programDat = st.context().lastSaved();
        ComfyRuntime.shutdown();

        ComfyChainExecution copy = TestStepContext.deserialize(programDat, ComfyChainExecution.class);
        assertThat(copy.links().get(0).status).isEqualTo("success");
        String second = copy.links().get(1).promptId;
        assertThat(second).isNotNull();
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = ((TestStepContext) copy.getContext()).bind(TestJenkins.TestRun.create("p"), log, new FilePath(workspace.toFile()));
        ctx.attach(copy);
        a.scenario().timeScale(1_000_000);
        b.scenario().timeScale(1_000_000);
        copy.onResume();
        Map<String, Object> r = (Map<String, Object>) ctx.outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(r).containsEntry("status", "success");
        assertThat(log.text()).contains("reattaching to prompt " + second);
        assertThat(posted(a).size() + posted(b).size()).as("no step posted twice").isEqualTo(2);
        assertThat(a.journal().requests("POST", "/upload/image").size() + b.journal().requests("POST", "/upload/image").size()).isEqualTo(1);
    }

    @Test
    void aSecondStepWithoutIntoFailsBeforeAnythingIsSent() throws Exception {
        ComfyChainStep s = new ComfyChainStep();
        s.setServer("farm");
        s.setSteps(List.of(Map.of("workflowFile", "flows/txt2img.json"), Map.of("name", "refine", "workflowFile", "flows/img2img.json")));
        Started st = start(s);
        try {
            st.context().outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(AbortException.class).hasMessageContaining("comfyChain: step 2 (refine) needs into:");
        }
        assertThat(posted(a)).isEmpty();
        assertThat(posted(b)).isEmpty();
    }
}
