package io.comfyrun.client.progress.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The lines a host prints around the progress log keep its prefix and stay on one line. */
class HostLinesTest {
    private static final String ID = "0b7c6a52-3f0e-4d5c-9a1b-2c3d4e5f6a7b";

    @Test
    void hostLinesShareThePrefixAndStayOnOneLine() {
        assertThat(LogFormat.savedOutputs(1, "comfyui-out")).isEqualTo("[ComfyUI] saved 1 output to comfyui-out/");
        assertThat(LogFormat.savedOutputs(3, "")).isEqualTo("[ComfyUI] saved 3 outputs to the workspace");
        assertThat(LogFormat.cancelling(ID, "gpu-1")).isEqualTo("[ComfyUI] build stopped: cancelling prompt " + ID + " on gpu-1");
        assertThat(LogFormat.cancelUnconfirmed(ID, "connect timed out\nsecond line"))
                .isEqualTo("[ComfyUI] could not confirm the cancellation of prompt " + ID + " (connect timed out | second line)");
        assertThat(LogFormat.leftRunning(ID, "gpu-1", "cancelOnAbort: false"))
                .isEqualTo("[ComfyUI] build stopped; prompt " + ID + " left running on gpu-1 (cancelOnAbort: false)");
        assertThat(LogFormat.reattaching("Jenkins", ID, "gpu-1"))
                .isEqualTo("[ComfyUI] Jenkins restarted: reattaching to prompt " + ID + " on gpu-1");
    }
}
