package io.comfyrun.cli;

import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.log.LogFormat;
import java.io.PrintStream;

/**
 * Where the progress log goes. On a terminal a live progress bar sits on the last line and the log lines
 * scroll above it; elsewhere (a pipe, a CI log) only the plain lines are printed, so logs stay greppable.
 */
final class ConsoleView {

    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean live;
    private String bar = "";

    ConsoleView(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    /** A log line (already prefixed by the progress log). */
    synchronized void line(String text) {
        if (live && !bar.isEmpty()) {
            out.print("\r\033[K");
        }
        out.println(text);
        if (live && !bar.isEmpty()) {
            out.print(bar);
        }
        out.flush();
    }

    /** Feeds the live bar; a no-op when not on a terminal. */
    ProgressListener barListener(String job) {
        if (!live) {
            return ProgressListener.NONE;
        }
        return event -> {
            if (event instanceof PromptEvent.StepProgress e) {
                int pct = LogFormat.percent((double) e.value() / Math.max(1, e.max()));
                int filled = pct * BAR_WIDTH / 100;
                String text = "  " + job + " ▕" + "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled) + "▏ "
                        + LogFormat.percent(e.workflowFraction()) + "% · node " + e.node().id() + " " + e.node().classType()
                        + " " + e.value() + "/" + e.max() + (e.eta() == null ? "" : " · ETA " + LogFormat.eta(e.eta()));
                setBar(text);
            } else if (event instanceof PromptEvent.NodeStarted e) {
                setBar("  " + job + " · node " + e.node().id() + " " + e.node().classType() + " running");
            } else if (event instanceof PromptEvent.Finished) {
                setBar("");
            }
        };
    }

    private synchronized void setBar(String text) {
        out.print("\r\033[K" + text);
        out.flush();
        bar = text;
    }

    synchronized void clearBar() {
        if (live && !bar.isEmpty()) {
            out.print("\r\033[K");
            out.flush();
            bar = "";
        }
    }
}
