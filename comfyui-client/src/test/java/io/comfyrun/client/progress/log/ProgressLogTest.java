package io.comfyrun.client.progress.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.NodeRun;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.TrackingMethod;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressLogTest {

    static final String P = "5f1c2a9e-1111-4222-8333-444455556666";
    static final URI SERVER = URI.create("http://gpu-1:8188/");
    static final NodeRef CKPT = new NodeRef("4", "CheckpointLoaderSimple", "Load Checkpoint");
    static final NodeRef LATENT = new NodeRef("5", "EmptyLatentImage", "EmptyLatentImage");
    static final NodeRef SAMPLER = new NodeRef("3", "KSampler", "KSampler");
    static final NodeRef SAVE = new NodeRef("9", "SaveImage", "SaveImage");

    /** A clock the test moves by hand: throttling is tested without sleeping. */
    static final class ManualClock implements InstantSource {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    final ManualClock clock = new ManualClock();
    final List<String> lines = new ArrayList<>();
    final ProgressLog log = ProgressLog.builder(lines::add).clock(clock).build();

    @Test
    void printsTheIssueExampleLines() {
        log.onEvent(new PromptEvent.Submitted(P, SERVER, TrackingMethod.WEBSOCKET));
        log.onEvent(new PromptEvent.Queued(P, 2, 3));
        log.onEvent(new PromptEvent.Queued(P, 2, 3));
        log.onEvent(new PromptEvent.Started(P, List.of(CKPT, LATENT)));
        log.onEvent(new PromptEvent.NodeStarted(P, SAMPLER));
        log.onEvent(new PromptEvent.StepProgress(P, SAMPLER, 1, 20, 0.40, Duration.ofSeconds(6)));
        clock.advance(Duration.ofSeconds(6));
        log.onEvent(new PromptEvent.StepProgress(P, SAMPLER, 9, 20, 0.61, Duration.ofMillis(4200)));
        log.onEvent(new PromptEvent.StepProgress(P, SAMPLER, 20, 20, 0.8, Duration.ZERO));
        log.onEvent(new PromptEvent.NodeFinished(P, SAMPLER, 1300));
        log.onEvent(new PromptEvent.OutputProduced(P, SAVE, List.of(new OutputRef("9", "ComfyUI_00001_.png", "", "output", "images")), false));
        log.onEvent(new PromptEvent.Finished(P, new PromptResult(Outcome.SUCCESS, P, SERVER, TrackingMethod.WEBSOCKET,
                Duration.ofMillis(6200), nodes(2), List.of(new OutputRef("9", "ComfyUI_00001_.png", "", "output", "images")), List.of())));

        assertThat(lines).containsExactly(
                "[ComfyUI] prompt 5f1c2a… submitted to http://gpu-1:8188 (websocket)",
                "[ComfyUI] queued on http://gpu-1:8188, 1 pending prompt ahead of ours (its queue: 3 running + pending, ours included)",
                "[ComfyUI] started; cached 2 nodes: 4 CheckpointLoaderSimple, 5 EmptyLatentImage",
                "[ComfyUI] node 3 KSampler: running",
                "[ComfyUI] node 3 KSampler: 0% (0/20)",
                "[ComfyUI] node 3 KSampler: 45% (9/20) · workflow 61% · ETA 4 s",
                "[ComfyUI] node 3 KSampler: 100% (20/20) · workflow 80%",
                "[ComfyUI] node 3 KSampler: done in 1.3 s",
                "[ComfyUI] node 9 SaveImage: wrote ComfyUI_00001_.png",
                "[ComfyUI] success in 6.2 s: 1 output, 7 nodes (2 cached), tracked by websocket");
        assertThat(log.activePrompts()).isZero();
    }

    @Test
    void stepLinesNeedBothTenPercentAndTheIntervalButAlwaysZeroAndHundredPercent() {
        log.onEvent(new PromptEvent.NodeStarted(P, SAMPLER));
        for (int step = 1; step <= 20; step++) {
            // fast sampler: 20 steps in 2 s
            log.onEvent(new PromptEvent.StepProgress(P, SAMPLER, step, 20, step / 20.0, null));
            clock.advance(Duration.ofMillis(100));
        }
        assertThat(lines).containsExactly(
                "[ComfyUI] node 3 KSampler: running",
                "[ComfyUI] node 3 KSampler: 0% (0/20)",
                "[ComfyUI] node 3 KSampler: 100% (20/20) · workflow 100%");

        lines.clear();
        // slow sampler: one step every 10 s: the interval is met every time, 10% marks decide
        NodeRef other = new NodeRef("13", "KSampler", "Refiner");
        for (int step = 1; step <= 100; step++) {
            log.onEvent(new PromptEvent.StepProgress(P, other, step, 100, 0.5, null));
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(lines).hasSize(11);
        assertThat(lines.get(0)).isEqualTo("[ComfyUI] node 13 KSampler \"Refiner\": 0% (0/100)");
        assertThat(lines.get(1)).startsWith("[ComfyUI] node 13 KSampler \"Refiner\": 10% (10/100)");
        assertThat(lines.get(10)).startsWith("[ComfyUI] node 13 KSampler \"Refiner\": 100% (100/100)");
    }

    @Test
    void aNodeFirstSeenPastItsFirstTenthSaysWhereItIsNotThatItStartedAtZero() {
        // A build resumed after a Jenkins restart: a fresh log hears the sampler at 9,689 of 10,000 steps.
        log.onEvent(new PromptEvent.StepProgress(P, SAMPLER, 9689, 10000, 0.97, Duration.ofSeconds(3)));
        log.onEvent(new PromptEvent.StepProgress(P, SAMPLER, 10000, 10000, 1.0, null));
        assertThat(lines).containsExactly(
                "[ComfyUI] node 3 KSampler: 96% (9689/10000) · workflow 97% · ETA 3 s",
                "[ComfyUI] node 3 KSampler: 100% (10000/10000) · workflow 100%");
    }

    @Test
    void aTwoHourThreeThousandStepTrainingRunStaysUnderTwoHundredLines() {
        NodeRef trainer = new NodeRef("20", "TrainLoraNode", "Train LoRA");
        log.onEvent(new PromptEvent.Submitted(P, SERVER, TrackingMethod.WEBSOCKET));
        log.onEvent(new PromptEvent.Started(P, List.of()));
        log.onEvent(new PromptEvent.NodeStarted(P, trainer));
        Duration perStep = Duration.ofMillis(2400); // 3,000 steps in 2 h
        for (int step = 1; step <= 3000; step++) {
            clock.advance(perStep);
            log.onEvent(new PromptEvent.StepProgress(P, trainer, step, 3000, step / 3000.0,
                    perStep.multipliedBy(3000 - step)));
            if (step % 25 == 0) {
                log.onEvent(new PromptEvent.Heartbeat(P, PromptPhase.RUNNING, perStep.multipliedBy(step)));
            }
        }
        log.onEvent(new PromptEvent.NodeFinished(P, trainer, Duration.ofHours(2).toMillis()));
        log.onEvent(new PromptEvent.Finished(P, new PromptResult(Outcome.SUCCESS, P, SERVER, TrackingMethod.WEBSOCKET,
                Duration.ofHours(2), List.of(new NodeRun("20", "TrainLoraNode", "Train LoRA", false, 7_200_000)), List.of(), List.of())));
        assertThat(lines).hasSizeLessThan(200);
        assertThat(lines).contains("[ComfyUI] node 20 TrainLoraNode \"Train LoRA\": 0% (0/3000)",
                "[ComfyUI] node 20 TrainLoraNode \"Train LoRA\": 100% (3000/3000) · workflow 100%");
        assertThat(lines).contains("[ComfyUI] node 20 TrainLoraNode \"Train LoRA\": 50% (1500/3000) · workflow 50% · ETA 60 min");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("[ComfyUI] success in 2 h 00 min: 0 outputs, 1 node (0 cached), tracked by websocket");
    }

    @Test
    void queuedHeartbeatAndRunningHeartbeatAfterLongSilence() {
        log.onEvent(new PromptEvent.Queued(P, 3, 3));
        clock.advance(Duration.ofSeconds(30));
        log.tick();
        clock.advance(Duration.ofSeconds(31));
        log.tick();
        log.onEvent(new PromptEvent.Queued(P, 1, 2));
        clock.advance(Duration.ofSeconds(59));
        log.onEvent(new PromptEvent.Heartbeat(P, PromptPhase.QUEUED, Duration.ofSeconds(120)));
        log.onEvent(new PromptEvent.NodeStarted(P, SAMPLER));
        clock.advance(Duration.ofMinutes(4));
        log.onEvent(new PromptEvent.Heartbeat(P, PromptPhase.RUNNING, Duration.ofMinutes(4)));
        clock.advance(Duration.ofMinutes(1));
        log.onEvent(new PromptEvent.Heartbeat(P, PromptPhase.RUNNING, Duration.ofMinutes(5)));
        log.tick();
        assertThat(lines).containsExactly(
                "[ComfyUI] queued on the server, 2 pending prompts ahead of ours (its queue: 3 running + pending, ours included)",
                "[ComfyUI] still queued on the server, 2 pending prompts ahead of ours (its queue: 3 running + pending, ours included) (waiting 1 min 01 s)",
                "[ComfyUI] queued on the server, 0 pending prompts ahead of ours (its queue: 2 running + pending, ours included)",
                "[ComfyUI] node 3 KSampler: running",
                "[ComfyUI] still running (5 min 00 s elapsed)");
    }

    @Test
    void connectionLinesOncePerServerWithDowntimeAndNoSecrets() {
        URI withSecret = URI.create("https://jenkins:s3cr3t@gpu-2.example:8443/comfy/");
        log.onEvent(new PromptEvent.Submitted(P, withSecret, TrackingMethod.WEBSOCKET));
        log.onEvent(new PromptEvent.ConnectionLost(P, withSecret, "EOF"));
        log.onEvent(new PromptEvent.ConnectionLost("other-prompt", withSecret, "EOF"));
        log.onEvent(new PromptEvent.TrackingChanged(P, TrackingMethod.POLLING));
        log.onEvent(new PromptEvent.ConnectionRestored(P, withSecret, Duration.ofMillis(2150)));
        log.onEvent(new PromptEvent.ConnectionRestored("other-prompt", withSecret, Duration.ofMillis(2150)));
        assertThat(lines).containsExactly(
                "[ComfyUI] prompt 5f1c2a… submitted to https://gpu-2.example:8443/comfy (websocket)",
                "[ComfyUI] connection to https://gpu-2.example:8443/comfy lost (EOF); reconnecting",
                "[ComfyUI] now tracking by polling",
                "[ComfyUI] connection to https://gpu-2.example:8443/comfy restored after 2.2 s");
        assertThat(String.join("\n", lines)).doesNotContain("s3cr3t").doesNotContain("jenkins:");
    }

    @Test
    void failureRejectionAndCachedReplay() {
        log.onEvent(new PromptEvent.OutputProduced(P, SAVE, List.of(new OutputRef("9", "ComfyUI_00003_.png", "", "output", "images")), true));
        log.onEvent(new PromptEvent.Finished(P, new PromptResult(Outcome.FAILED, P, SERVER, TrackingMethod.MIXED, Duration.ofMillis(3100),
                List.of(), List.of(), List.of(new PromptError("safetensors.SafetensorError", "10", "LoraLoader", "LoraLoader", null,
                "Error while deserializing header: header too large\n", "")))));
        log.onEvent(new PromptEvent.Finished("p2", new PromptResult(Outcome.REJECTED, "p2", SERVER, TrackingMethod.WEBSOCKET, Duration.ZERO,
                List.of(), List.of(), List.of(
                        new PromptError("value_not_in_list", "4", "CheckpointLoaderSimple", "Load Checkpoint", "ckpt_name", "Value not in list", "nope.safetensors"),
                        new PromptError("required_input_missing", "8", "VAEDecode", "VAEDecode", "vae", "Required input is missing", "vae")))));
        assertThat(lines).containsExactly(
                "[ComfyUI] node 9 SaveImage: cached output ComfyUI_00003_.png (replayed from an earlier run; no new file)",
                "[ComfyUI] failed in 3.1 s: node 10 LoraLoader: Error while deserializing header: header too large [safetensors.SafetensorError], tracked by mixed",
                "[ComfyUI] rejected by the server's validation: 2 errors",
                "[ComfyUI]   node 4 CheckpointLoaderSimple (\"Load Checkpoint\") input 'ckpt_name': Value not in list (nope.safetensors) [value_not_in_list]",
                "[ComfyUI]   node 8 VAEDecode input 'vae': Required input is missing [required_input_missing]");
    }

    @Test
    void formats() {
        assertThat(LogFormat.duration(Duration.ofMillis(850))).isEqualTo("850 ms");
        assertThat(LogFormat.duration(Duration.ofSeconds(185))).isEqualTo("3 min 05 s");
        assertThat(LogFormat.server(URI.create("http://u:p@[::1]:8188/?token=x"))).isEqualTo("http://[::1]:8188");
        assertThat(LogFormat.oneLine("a\nb\r\nc\u001b")).isEqualTo("a | b | c");
    }

    static List<NodeRun> nodes(int cached) {
        List<NodeRun> list = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            list.add(new NodeRun(String.valueOf(i + 3), "X", "X", i < cached, 10));
        }
        return list;
    }
}
