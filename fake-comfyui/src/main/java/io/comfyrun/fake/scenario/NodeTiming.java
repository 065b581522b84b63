package io.comfyrun.fake.scenario;

/**
 * How long one node of one prompt takes, in virtual time.
 *
 * @param durationMs     fixed time (before the first step for stepping nodes)
 * @param stepsPerSecond step rate for sampler and trainer nodes
 * @param steps          step count override, or null to use the node's {@code steps} input
 */
public record NodeTiming(double durationMs, double stepsPerSecond, Integer steps) {

    /** GPU-like defaults at time scale 1 (protocol reference §8.1). */
    public static NodeTiming defaultFor(String behaviour, String classType) {
        if ("LoraLoader".equals(classType)) {
            return new NodeTiming(300, 0, null);
        }
        return switch (behaviour == null ? "GENERIC" : behaviour) {
            case "LOADER" -> new NodeTiming(2000, 0, null);
            case "TEXT_ENCODE" -> new NodeTiming(30, 0, null);
            case "LATENT" -> new NodeTiming(1, 0, null);
            case "SAMPLER" -> new NodeTiming(0, 20, null);
            case "VAE" -> new NodeTiming(100, 0, null);
            case "SAVE_IMAGE" -> new NodeTiming(50, 0, null);
            case "PREVIEW_IMAGE" -> new NodeTiming(20, 0, null);
            case "LOAD_IMAGE", "IMAGE_OP" -> new NodeTiming(10, 0, null);
            // 3,000 steps in two hours
            case "TRAINER" -> new NodeTiming(1000, 3000.0 / 7200.0, null);
            default -> new NodeTiming(10, 0, null);
        };
    }

    public NodeTiming apply(TimingRule r) {
        return new NodeTiming(r.durationMs() != null ? r.durationMs() : durationMs,
                r.stepsPerSecond() != null ? r.stepsPerSecond() : stepsPerSecond,
                r.steps() != null ? r.steps() : steps);
    }

    public double stepMs() {
        return stepsPerSecond <= 0 ? 0 : 1000.0 / stepsPerSecond;
    }
}
