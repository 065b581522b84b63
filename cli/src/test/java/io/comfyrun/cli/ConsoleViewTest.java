package io.comfyrun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The live progress bar, rendered into a buffer instead of a terminal. */
class ConsoleViewTest {

    static final String P = "5f1c2a00-0000-4000-8000-000000000000";
    static final NodeRef SAMPLER = new NodeRef("3", "KSampler", null);
    static final String ERASE = "\r\033[K";

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void drawsTheBarOnTheLastLineAndKeepsItUnderScrollingLogLines() {
        ConsoleView view = new ConsoleView(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        ProgressListener bar = view.barListener("txt2img");

        bar.onEvent(new PromptEvent.NodeStarted(P, SAMPLER));
        assertThat(printed()).isEqualTo(ERASE + "  txt2img · node 3 KSampler running");

        bytes.reset();
        bar.onEvent(new PromptEvent.StepProgress(P, SAMPLER, 10, 20, 0.61, Duration.ofSeconds(4)));
        String half = "  txt2img ▕" + "█".repeat(12) + "░".repeat(12) + "▏ 61% · node 3 KSampler 10/20 · ETA 4 s";
        assertThat(printed()).isEqualTo(ERASE + half);

        // A log line erases the bar, prints, and draws the bar again under it.
        bytes.reset();
        view.line("[ComfyUI] node 3 KSampler: 50% (10/20)");
        assertThat(printed()).isEqualTo(ERASE + "[ComfyUI] node 3 KSampler: 50% (10/20)" + System.lineSeparator() + half);

        bytes.reset();
        bar.onEvent(new PromptEvent.StepProgress(P, SAMPLER, 20, 20, 1.0, null));
        assertThat(printed()).isEqualTo(ERASE + "  txt2img ▕" + "█".repeat(24) + "▏ 100% · node 3 KSampler 20/20");

        bytes.reset();
        view.clearBar();
        assertThat(printed()).isEqualTo(ERASE);
        bytes.reset();
        view.line("[ComfyUI] success");
        assertThat(printed()).isEqualTo("[ComfyUI] success" + System.lineSeparator());
    }

    @Test
    void notOnATerminalOnlyPlainLinesArePrinted() {
        ConsoleView view = new ConsoleView(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        view.barListener("txt2img").onEvent(new PromptEvent.StepProgress(P, SAMPLER, 10, 20, 0.5, Duration.ofSeconds(4)));
        view.line("[ComfyUI] node 3 KSampler: 50% (10/20)");
        assertThat(printed()).isEqualTo("[ComfyUI] node 3 KSampler: 50% (10/20)" + System.lineSeparator());
    }
}
