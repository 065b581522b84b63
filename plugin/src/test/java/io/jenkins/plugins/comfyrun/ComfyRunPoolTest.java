package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import hudson.AbortException;
import hudson.FilePath;
import io.comfyrun.fake.FakeComfyUI;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * {@code comfyRun(server: 'pool-name')}: routed through the engine's pool to one of several REAL fake servers over
 * loopback; the member is named in the console and the result, the outputs come from it, and it is persisted with the
 * prompt id before the POST so a restart resumes there without posting again.
 */
class ComfyRunPoolTest {
    private static final long WAIT_SECONDS = 90;

    @TempDir
    Path workspace;

    private FakeComfyUI a;
    private FakeComfyUI b;
    private FakeComfyUI c;
    private ComfyGlobalConfiguration global;

    @BeforeEach
    void setUp() {
        a = FakeComfyUI.builder().port(0).timeScale(100).seed(31).start();
        b = FakeComfyUI.builder().port(0).timeScale(100).seed(32).start();
        c = FakeComfyUI.builder().port(0).timeScale(100).seed(33).start();
        ComfyRuntime.startAgainAfterShutdown();
        global = TestJenkins.reset();
        global.setServers(List.of(new ComfyServer("gpu-a", a.baseUrl().toString()), new ComfyServer("gpu-b", b.baseUrl().toString()),
                new ComfyServer("gpu-c", c.baseUrl().toString())));
        pool("farm", "gpu-a", "gpu-b", "gpu-c");
    }

    @AfterEach
    void tearDown() {
        ComfyRuntime.shutdown();
        ComfyRuntime.startAgainAfterShutdown();
        a.close();
        b.close();
        c.close();
    }

    private void pool(String name, String... members) {
        ComfyServerPool p = new ComfyServerPool(name);
        p.setMembers(java.util.Arrays.stream(members).map(ComfyServerPool.Member::new).toList());
        global.setPools(List.of(p));
    }

    private record Started(ComfyRunExecution execution, TestStepContext context, TestJenkins.TestRun run,
                           TestJenkins.BufferListener log) {
        @SuppressWarnings("unchecked")
        Map<String, Object> result() throws Exception {
            return (Map<String, Object>) context.outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);
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

    private int posts() {
        return posts(a) + posts(b) + posts(c);
    }

    private static int posts(FakeComfyUI f) {
        return f.journal().requests("POST", "/prompt").size();
    }

    private FakeComfyUI fakeNamed(Object member) {
        return switch (String.valueOf(member)) {
            case "gpu-a" -> a;
            case "gpu-b" -> b;
            case "gpu-c" -> c;
            default -> throw new AssertionError("not a member: " + member);
        };
    }

    private Started start(ComfyRunStep step, FilePath ws) throws Exception {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = new TestStepContext(run, log, ws);
        ctx.observeSubmissions(this::posts);
        ComfyRunExecution e = (ComfyRunExecution) step.start(ctx);
        ctx.attach(e);
        assertThat(e.start()).isFalse();
        return new Started(e, ctx, run, log);
    }

    private static ComfyRunStep step(String server) {
        ComfyRunStep s = new ComfyRunStep();
        s.setServer(server);
        s.setWorkflow(ComfyRunExecutionTest.txt2img());
        return s;
    }

    @Test
    void aPoolNameRoutesToOneMemberThatTheResultAndConsoleNameAndTheOutputsComeFromIt() throws Exception {
        Started st = start(step("farm"), new FilePath(workspace.toFile()));
        Map<String, Object> r = st.result();

        assertThat(r).containsEntry("status", "success").containsEntry("pool", "farm");
        Object member = r.get("server");
        assertThat(member).isIn("gpu-a", "gpu-b", "gpu-c");
        FakeComfyUI ran = fakeNamed(member);
        assertThat(posts(ran)).as("posted to the member the result names").isEqualTo(1);
        assertThat(posts()).as("posted once in all").isEqualTo(1);
        assertThat(ran.journal().requests("GET", "/view")).as("outputs downloaded from that member").isNotEmpty();
        for (FakeComfyUI other : List.of(a, b, c)) {
            if (other != ran) {
                assertThat(other.journal().requests("GET", "/view")).isEmpty();
            }
        }
        @SuppressWarnings("unchecked")
        String path = (String) ((List<Map<String, Object>>) r.get("outputs")).get(0).get("path");
        assertThat(Files.size(workspace.resolve(path))).isPositive();
        assertThat(st.log().text()).contains("[ComfyUI] pool farm: prompt routed to " + member);
        assertThat(st.action().getServer()).isEqualTo(member);
        ComfyRunExecution saved = TestStepContext.deserialize(st.context().firstSaved(), ComfyRunExecution.class);
        assertThat(st.context().submissionsSeenAtFirstSave()).as("state first saved before any POST").isZero();
        assertThat(saved.target().label()).as("the member is persisted with the prompt id, before the POST").isEqualTo(member);
        assertThat(saved.snapshot().promptId()).isEqualTo(r.get("promptId"));
    }

    @Test
    void promptsGoToTheMemberWithTheLeastWork() throws Exception {
        pool("farm", "gpu-a", "gpu-b");
        a.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        b.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        Started first = start(step("farm"), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> first.action() != null && "RUNNING".equals(first.action().getStatus()));
        Started second = start(step("farm"), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> posts() == 2);

        assertThat(posts(a)).as("one prompt on each member, not two on the first").isEqualTo(1);
        assertThat(posts(b)).isEqualTo(1);
        assertThat(List.of(first.action().getServer(), second.action().getServer())).containsExactlyInAnyOrder("gpu-a", "gpu-b");
        first.execution().stop(new FlowInterruptedException(hudson.model.Result.ABORTED, true));
        second.execution().stop(new FlowInterruptedException(hudson.model.Result.ABORTED, true));
        first.failure();
        second.failure();
    }

    @Test
    void aMemberThatCannotBeReachedIsSkippedBeforeThePost() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort(); // closed again: nothing listens there
        }
        global.setServers(List.of(new ComfyServer("gpu-dead", "http://127.0.0.1:" + dead + "/"), new ComfyServer("gpu-b", b.baseUrl().toString())));
        pool("farm", "gpu-dead", "gpu-b");
        Started st = start(step("farm"), null);
        Map<String, Object> r = st.result();
        assertThat(r).containsEntry("status", "success").containsEntry("server", "gpu-b");
        assertThat(posts(b)).isEqualTo(1);
        assertThat(st.log().text()).contains("[ComfyUI] pool farm: gpu-dead could not be reached before the prompt was posted");
    }

    @Test
    void aRestartResumesOnTheChosenMemberAndNeverPostsAgain() throws Exception {
        for (FakeComfyUI f : List.of(a, b, c)) {
            f.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        }
        Started st = start(step("farm"), new FilePath(workspace.toFile()));
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> st.action() != null && "RUNNING".equals(st.action().getStatus()));
        String id = st.action().getPromptId();
        String member = st.action().getServer();
        ComfyRuntime.shutdown(); // Jenkins going down; the prompt keeps running on its member

        ComfyRuntime.startAgainAfterShutdown();
        ComfyRunExecution copy = TestStepContext.deserialize(st.context().lastSaved(), ComfyRunExecution.class);
        assertThat(copy.target().label()).isEqualTo(member);
        TestJenkins.BufferListener log = new TestJenkins.BufferListener();
        TestStepContext ctx = ((TestStepContext) copy.getContext()).bind(st.run(), log, new FilePath(workspace.toFile()));
        ctx.attach(copy);
        copy.onResume();
        for (FakeComfyUI f : List.of(a, b, c)) {
            f.scenario().timeScale(1_000_000);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) ctx.outcome().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(r).containsEntry("status", "success").containsEntry("promptId", id).containsEntry("server", member)
                .containsEntry("pool", "farm");
        assertThat(log.text()).contains("reattaching to prompt " + id).contains(member);
        assertThat(posts()).as("never posted again, anywhere").isEqualTo(1);
        assertThat(posts(fakeNamed(member))).isEqualTo(1);
        assertThat(fakeNamed(member).journal().requests("GET", "/view")).isNotEmpty();
        assertThat(st.context().outcome()).isNotDone();
    }

    @Test
    void aStopWhileWaitingForRoomEndsTheStepAndNothingIsPosted() throws Exception {
        ComfyServerPool p = new ComfyServerPool("narrow");
        ComfyServerPool.Member only = new ComfyServerPool.Member("gpu-a");
        only.setMaxInFlight(1);
        p.setMembers(List.of(only));
        global.setPools(List.of(p));
        a.scenario().steps("KSampler", 10_000).stepsPerSecond("KSampler", 2);
        Started first = start(step("narrow"), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> posts(a) == 1);
        Started second = start(step("narrow"), null);
        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> second.log().text().contains("waiting for room"));
        assertThat(second.execution().getStatus()).isEqualTo("waiting for a member of pool narrow with room");

        FlowInterruptedException cause = new FlowInterruptedException(hudson.model.Result.ABORTED, true);
        second.execution().stop(cause);
        assertThat(second.failure()).isSameAs(cause);
        first.execution().stop(new FlowInterruptedException(hudson.model.Result.ABORTED, true));
        first.failure();
        assertThat(posts(a)).as("the waiting prompt was never posted").isEqualTo(1);
    }

    @Test
    void credentialsOrInputsWithAPoolAreRefusedByName() {
        ComfyRunStep s = step("farm");
        s.setInputs(Map.of("LoadImage.image", "in.png"));
        assertThatThrownBy(() -> start(s, new FilePath(workspace.toFile()))).isInstanceOf(AbortException.class)
                .hasMessageContaining("inputs: cannot be used with pool 'farm'").hasMessageContaining("gpu-a, gpu-b, gpu-c");
        ComfyRunStep t = step("farm");
        t.setCredentialsId("x");
        assertThatThrownBy(() -> start(t, null)).isInstanceOf(AbortException.class)
                .hasMessageContaining("credentialsId cannot be combined with pool 'farm'");
        assertThat(posts()).isZero();
    }
}
