package io.jenkins.plugins.comfyrun;

import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/** Shared bits of the JenkinsRule tests: the example workflow and journal queries on the fake ComfyUI server. */
final class FakeServers {
    private FakeServers() {
    }

    static FakeComfyUI start() {
        return FakeComfyUI.builder().port(0).timeScale(50).seed(42).start();
    }

    /** The txt2img example workflow (API format), as a Groovy-safe single-quoted string literal. */
    static String txt2imgLiteral() {
        try (InputStream in = Objects.requireNonNull(FakeServers.class.getResourceAsStream("txt2img.json"))) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return "'''" + json.replace("\\", "\\\\").replace("'''", "\\'\\'\\'") + "'''";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JournalEntry> posts(FakeComfyUI fake, String route) {
        return fake.journal().requests("POST", route);
    }
}
