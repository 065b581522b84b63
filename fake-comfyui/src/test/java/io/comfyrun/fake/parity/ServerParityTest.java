package io.comfyrun.fake.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.scenario.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Replays every recording, in the order it was recorded, against one running fake server, and compares
 * what the fake sent with what the real ComfyUI 0.3.64 sent: per WebSocket client the sequence of message
 * types and the shape (field names, order, value types) of each message; per HTTP request the status,
 * content type and body shape. Values (ids, timings, counters, file names) are not compared.
 *
 * <p>The recordings share one server's state (the cache, the prompt counter, output file numbers), so they
 * are replayed as one session; each recording is then reported as its own test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerParityTest {

    /** Recordings whose frames belong together: 02b holds the frames of the partial prompt posted in 02. */
    private static final Map<String, List<String>> GROUPS = new LinkedHashMap<>();

    static {
        for (String name : TraceFile.ALL) {
            if (name.equals("02b_partial_run")) {
                GROUPS.get("02_validation").add(name);
            } else {
                GROUPS.put(name, new ArrayList<>(List.of(name)));
            }
        }
    }

    private FakeComfyUI fake;
    private TraceReplay replay;
    private final Map<String, TraceFile> traces = new LinkedHashMap<>();

    @BeforeAll
    void replayAllRecordings() throws Exception {
        // Steps slow enough in real time for the recorded interrupt to land mid-sampling.
        fake = FakeComfyUI.builder().port(0).seed(1).timeScale(1).start();
        fake.scenario().load(Scenario.fromJson("""
                {"previews": true, "timings": [
                  {"class_type": "KSampler", "steps_per_second": 25},
                  {"class_type": "CheckpointLoaderSimple", "duration_ms": 5},
                  {"class_type": "CLIPTextEncode", "duration_ms": 2},
                  {"class_type": "VAEDecode", "duration_ms": 5},
                  {"class_type": "SaveImage", "duration_ms": 5}]}
                """));
        replay = new TraceReplay(fake.baseUrl(), Duration.ofSeconds(5));
        for (String name : TraceFile.ALL) {
            TraceFile trace = TraceFile.load(name);
            traces.put(name, trace);
            replay.replay(trace, this::scriptFor);
        }
    }

    /** What the recorded server did that a fake must be told: the broken LoRA file of 20_error_run. */
    private void scriptFor(String trace) {
        if (trace.equals("20_error_run")) {
            fake.scenario().load(Scenario.fromJson("""
                    {"faults": [{"kind": "execution_error", "trigger": {"class_type": "LoraLoader"}, "times": 1,
                      "exception_type": "safetensors._safetensors_rust.SafetensorError",
                      "exception_message": "Error while deserializing header: header too large\\n"}]}
                    """));
        }
    }

    @AfterAll
    void stop() {
        if (replay != null) {
            replay.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> webSocketMessagesHaveTheRecordedTypesOrderAndShapes() {
        return GROUPS.entrySet().stream().map(group -> DynamicTest.dynamicTest(group.getKey(), () -> {
            List<String> differences = new ArrayList<>();
            for (String client : clients(group.getValue())) {
                List<String> expected = new ArrayList<>();
                List<String> expectedShapes = new ArrayList<>();
                for (String name : group.getValue()) {
                    for (TraceFile.Event e : traces.get(name).events()) {
                        if (e instanceof TraceFile.WsText t && t.client().equals(client)) {
                            expected.add(t.type());
                            expectedShapes.add(JsonShape.of(t.msg()));
                        } else if (e instanceof TraceFile.WsBinary b && b.client().equals(client)) {
                            expected.add("binary:" + b.eventType());
                            expectedShapes.add("binary");
                        }
                    }
                }
                List<String> actual = new ArrayList<>();
                List<String> actualShapes = new ArrayList<>();
                for (String name : group.getValue()) {
                    for (TraceReplay.Frame f : replay.frames(name, client)) {
                        actual.add(f.type());
                        actualShapes.add(f.type().startsWith("binary:") ? "binary" : JsonShape.of(f.msg()));
                    }
                }
                if (!actual.equals(expected)) {
                    differences.add("client " + client + " message types\n  recorded: " + expected + "\n  fake:     " + actual);
                    continue;
                }
                for (int i = 0; i < expected.size(); i++) {
                    if (!expectedShapes.get(i).equals(actualShapes.get(i))) {
                        differences.add("client " + client + " message #" + i + " (" + expected.get(i) + ") shape\n  recorded: "
                                + expectedShapes.get(i) + "\n  fake:     " + actualShapes.get(i));
                    }
                }
            }
            for (String timeout : replay.syncTimeouts()) {
                if (group.getValue().stream().anyMatch(name -> timeout.startsWith(name + ":"))) {
                    differences.add("replay waited in vain: " + timeout);
                }
            }
            assertThat(differences).as("differences in %s", group.getKey()).isEmpty();
        }));
    }

    @TestFactory
    Stream<DynamicTest> httpAnswersHaveTheRecordedStatusTypeAndShape() {
        return TraceFile.ALL.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            List<String> differences = new ArrayList<>();
            for (TraceReplay.Answer a : replay.answers(name)) {
                TraceFile.Http h = a.recorded();
                String what = h.method() + " " + h.path() + " (" + h.label() + ")";
                if (a.status() != h.status()) {
                    differences.add(what + ": status " + a.status() + ", recorded " + h.status());
                    continue;
                }
                if (!sameMediaType(a.contentType(), h.contentType())) {
                    differences.add(what + ": content type '" + a.contentType() + "', recorded '" + h.contentType() + "'");
                }
                if (h.label().equals("object_info_all") || !h.contentType().startsWith("application/json")) {
                    continue; // the full /object_info was not recorded (trimmed); binary bodies have no shape
                }
                String expected = JsonShape.of(h.json());
                String actual = JsonShape.of(a.json());
                if (!expected.equals(actual)) {
                    differences.add(what + " body shape\n  recorded: " + expected + "\n  fake:     " + actual);
                }
            }
            assertThat(differences).as("differences in %s", name).isEmpty();
        }));
    }

    private static boolean sameMediaType(String actual, String recorded) {
        return actual.replace(" ", "").equalsIgnoreCase(recorded.replace(" ", ""));
    }

    private Set<String> clients(List<String> names) {
        Set<String> clients = new LinkedHashSet<>();
        for (String name : names) {
            for (TraceFile.Event e : traces.get(name).events()) {
                if (e instanceof TraceFile.WsText t) {
                    clients.add(t.client());
                } else if (e instanceof TraceFile.WsBinary b) {
                    clients.add(b.client());
                }
            }
        }
        return clients;
    }
}
