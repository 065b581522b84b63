package io.comfyrun.cli;

import io.comfyrun.client.Outcome;

/** The process exit codes of {@code comfyrun run}, stable for scripts. */
public enum ExitCode {
    SUCCESS(0),
    FAILED(1),
    USAGE(2),
    REJECTED(3),
    UNREACHABLE(4),
    TIMED_OUT(5),
    INTERRUPTED(6);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** LOST (the server forgot the prompt, e.g. it restarted) counts as failed. */
    public static ExitCode of(Outcome outcome) {
        if (outcome == null) {
            return FAILED;
        }
        return switch (outcome) {
            case SUCCESS -> SUCCESS;
            case FAILED, LOST -> FAILED;
            case REJECTED -> REJECTED;
            case UNREACHABLE -> UNREACHABLE;
            case TIMED_OUT -> TIMED_OUT;
            case INTERRUPTED -> INTERRUPTED;
        };
    }
}
