package io.comfyrun.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The snapshot's JSON form: every field round-trips, older JSON still reads, bad text fails naming the problem. */
class PromptSnapshotsTest {

    /** Every component set (non-null, non-empty), nested records included: a field added later must be set here too. */
    private static PromptSnapshot everyFieldSet() {
        Deadlines d = new Deadlines(Duration.ofSeconds(31), Duration.ofMinutes(3), Duration.ofHours(1), Duration.ofMinutes(90),
                Duration.ofMinutes(29), Duration.ofHours(2).plusMillis(5));
        return new PromptSnapshot(URI.create("https://gpu-1.example:8443/comfy/"), "client-9f2", "0b7c6a52-3f0e-4d5c-9a1b-2c3d4e5f6a7b",
                d, Instant.parse("2026-03-01T10:15:30.123456Z"), Instant.parse("2026-03-01T10:15:31Z"),
                Instant.parse("2026-03-01T10:16:00.5Z"), Set.of("node:3:started", "node:9:done"), Set.of("sub/a.png", "b.png"),
                List.of("3\tKSampler", "6\tCLIPTextEncode\tPositive \"Prompt\"\twith a tab"));
    }

    @Test
    void everyFieldRoundTrips() {
        PromptSnapshot s = everyFieldSet();
        assertAllSet(s, "PromptSnapshot");
        String json = PromptSnapshots.toJson(s);
        assertThat(json).doesNotContain("\n");
        PromptSnapshot back = PromptSnapshots.fromJson(json);
        assertThat(back).isEqualTo(s);
        assertThat(PromptSnapshots.toJson(back)).isEqualTo(json);
    }

    @Test
    void absentOptionalFieldsStayAbsent() {
        PromptSnapshot s = new PromptSnapshot(URI.create("http://127.0.0.1:8188"), null, "p-1", Deadlines.NONE,
                Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null);
        PromptSnapshot back = PromptSnapshots.fromJson(PromptSnapshots.toJson(s));
        assertThat(back).isEqualTo(s);
        assertThat(back.deadlines().queued()).isNull();
        assertThat(back.submittedAt()).isNull();
    }

    @Test
    void jsonWrittenBeforeAFieldExistedStillReads() {
        // as an older engine would have written it: no startedAt, no downloaded, no format marker, plus an unknown key
        String old = "{\"server\":\"http://h:8188\",\"clientId\":\"c\",\"promptId\":\"p-2\",\"createdAt\":\"2026-01-01T00:00:00Z\","
                + "\"logged\":[\"x\"],\"fromTheFuture\":1}";
        PromptSnapshot s = PromptSnapshots.fromJson(old);
        assertThat(s.promptId()).isEqualTo("p-2");
        assertThat(s.startedAt()).isNull();
        assertThat(s.downloaded()).isEmpty();
        assertThat(s.logged()).containsExactly("x");
        assertThat(s.deadlines()).isEqualTo(Deadlines.DEFAULTS);
        assertThat(s.nodes()).as("written before the nodes were persisted").isEmpty();
    }

    @Test
    void badTextFailsNamingTheProblem() {
        assertThatThrownBy(() -> PromptSnapshots.fromJson("not json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> PromptSnapshots.fromJson("{\"server\":\"http://h\",\"createdAt\":\"2026-01-01T00:00:00Z\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("promptId");
        assertThatThrownBy(() -> PromptSnapshots.fromJson("{\"server\":\"http://h\",\"promptId\":\"p\",\"createdAt\":\"yesterday\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snapshot.createdAt");
        assertThatThrownBy(() -> PromptSnapshots.fromJson("{\"format\":99,\"promptId\":\"p\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 99");
    }

    private static void assertAllSet(Record r, String where) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            assertThat(v).as(where + "." + c.getName() + " is set in the sample, so the round trip covers it").isNotNull();
            if (v instanceof Collection<?> col) {
                assertThat(col).as(where + "." + c.getName()).isNotEmpty();
            }
            if (v instanceof Record nested) {
                assertAllSet(nested, where + "." + c.getName());
            }
        }
    }
}
