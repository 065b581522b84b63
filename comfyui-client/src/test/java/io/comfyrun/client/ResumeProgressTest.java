package io.comfyrun.client;

import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.log.ProgressLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a resumed prompt tells after a controller restart, as the real Jenkins showed it: the nodes the server served
 * from its cache before the restart stay cached (in the result, the workflow percentage and the final line), the node
 * that was running is not announced as starting again, and its duration, only partly seen, is not invented.
 */
class ResumeProgressTest {

    EngineFixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    /** Keeps the latest snapshot and every event, as a durable shell does before the "restart". */
    static final class BeforeRestart implements ProgressListener {
        final AtomicReference<PromptSnapshot> latest = new AtomicReference<>();
        final List<PromptEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(PromptEvent event) {
            events.add(event);
        }

        @Override
        public void onSnapshot(PromptSnapshot snapshot) {
            latest.set(snapshot);
        }

        double lastWorkflowFraction() {
            double f = 0;
            for (PromptEvent e : events) {
                if (e instanceof PromptEvent.StepProgress sp) {
                    f = sp.workflowFraction();
                }
            }
            return f;
        }
    }

    @Test
    void aPromptResumedMidSamplingKeepsItsCachedNodesAndDoesNotRestartTheRunningOne() throws Exception {
        f = new EngineFixture(20, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        ServerConfig server = f.server().withClientId("jenkins-resume-1");
        // First run fills the server's cache: the second, with another seed, re-runs only the sampler and after.
        assertThat(await(f.client.submit(server, PromptRequest.of(txt2img(40, 4)), null)).isSuccess()).isTrue();
        f.fake.scenario().stepsPerSecond("KSampler", 1); // 100 s virtual, 5 s real: still sampling after the restart

        BeforeRestart first = new BeforeRestart();
        ComfyClient before = ComfyClient.create();
        before.submit(server, PromptRequest.of(txt2img(41, 100)), first);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.events.stream()
                .anyMatch(e -> e instanceof PromptEvent.StepProgress sp && sp.value() >= 2));
        assertThat(first.events).filteredOn(e -> e instanceof PromptEvent.Started).singleElement()
                .satisfies(e -> assertThat(((PromptEvent.Started) e).cached()).hasSize(4));
        PromptSnapshot mid = first.latest.get();
        double fractionBefore = first.lastWorkflowFraction();
        before.close(); // the "controller restart", the sampler still running on the server

        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgressLog log = ProgressLog.builder(lines::add).build();
        PromptResult r = await(f.client.resume(mid, server, rec.andThen(log)));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.nodes()).filteredOn(NodeRun::cached).extracting(NodeRun::id)
                .containsExactlyInAnyOrder("4", "5", "6", "7");
        assertThat(lines).last().asString().contains("7 nodes (4 cached)");
        assertThat(rec.of(PromptEvent.NodeStarted.class)).as("the sampler was announced before the restart")
                .noneMatch(e -> e.node().id().equals("3"));
        assertThat(rec.of(PromptEvent.StepProgress.class)).as("the workflow percentage never falls back")
                .allSatisfy(e -> assertThat(e.workflowFraction()).isGreaterThanOrEqualTo(fractionBefore));
        assertThat(r.nodes()).filteredOn(n -> n.id().equals("3")).singleElement()
                .as("the sampler ran partly before the restart: its whole duration was not measured")
                .satisfies(n -> assertThat(n.millis()).isEqualTo(NodeRun.UNMEASURED));
        assertThat(lines).noneMatch(l -> l.contains("0% (0/"));
        assertThat(f.requests("POST", "/prompt")).isEqualTo(2);
    }
}
