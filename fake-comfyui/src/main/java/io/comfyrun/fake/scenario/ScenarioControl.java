package io.comfyrun.fake.scenario;

import io.comfyrun.fake.execution.ExecutionScript;
import io.comfyrun.fake.time.VirtualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Timing and options of a running fake, changeable at any time (the Java face of {@code /__fake/scenario}).
 *
 * <pre>{@code
 * fake.scenario().timeScale(1000)
 *     .stepsPerSecond("KSampler", 5)
 *     .nodeDuration("CheckpointLoaderSimple", Duration.ofSeconds(8));
 * }</pre>
 */
public final class ScenarioControl implements ExecutionScript {

    private final VirtualTime time;
    private final FaultControl faults;
    private final Consumer<Boolean> sameClientIdBugSink;
    private final CopyOnWriteArrayList<TimingRule> rules = new CopyOnWriteArrayList<>();
    private volatile boolean previews = true;
    private volatile boolean sameClientIdBug;
    private final long seed;
    private final VersionProfile version;

    public ScenarioControl(VirtualTime time, FaultControl faults, Consumer<Boolean> sameClientIdBugSink, long seed,
                           VersionProfile version) {
        this.time = time;
        this.faults = faults;
        this.sameClientIdBugSink = sameClientIdBugSink;
        this.seed = seed;
        this.version = version;
    }

    /** Applies a scenario: its options replace the current ones, its timings and faults are added. */
    public ScenarioControl load(Scenario s) {
        if (s.timeScale() != null) {
            timeScale(s.timeScale());
        }
        if (s.previews() != null) {
            previews(s.previews());
        }
        if (s.sameClientIdBug() != null) {
            sameClientIdBug(s.sameClientIdBug());
        }
        if (s.comfyuiVersion() != null) {
            comfyuiVersion(s.comfyuiVersion());
        }
        if (s.jobsApi() != null) {
            jobsApi(s.jobsApi());
        }
        rules.addAll(s.timings());
        s.faults().forEach(faults::add);
        return this;
    }

    /** The current settings as a scenario (faults included), e.g. to save and replay. */
    public Scenario current() {
        return new Scenario(time.timeScale(), seed, previews, sameClientIdBug, version.version(), version.jobsApi(),
                null, null, null, List.copyOf(rules),
                faults.list().stream().map(FaultControl.Installed::fault).toList());
    }

    /** Behave like this ComfyUI release (§10), e.g. {@code "0.3.44"}; reported in /system_stats. */
    public ScenarioControl comfyuiVersion(String v) {
        version.version(v);
        return this;
    }

    public String comfyuiVersion() {
        return version.version();
    }

    /** Serve the jobs cancel API {@code POST /api/jobs/{id}/cancel}. */
    public ScenarioControl jobsApi(boolean on) {
        version.jobsApi(on);
        return this;
    }

    /** Removes timing rules and faults and restores default options (time scale and version are kept). */
    public ScenarioControl reset() {
        rules.clear();
        faults.clear();
        previews = true;
        sameClientIdBug(false);
        return this;
    }

    public double timeScale() {
        return time.timeScale();
    }

    public ScenarioControl timeScale(double scale) {
        time.setTimeScale(scale);
        return this;
    }

    public ScenarioControl previews(boolean on) {
        this.previews = on;
        return this;
    }

    public ScenarioControl sameClientIdBug(boolean on) {
        this.sameClientIdBug = on;
        sameClientIdBugSink.accept(on);
        return this;
    }

    public ScenarioControl timing(TimingRule rule) {
        rules.add(rule);
        return this;
    }

    public ScenarioControl nodeDuration(String classType, Duration virtual) {
        return timing(TimingRule.forClass(classType, (double) virtual.toMillis(), null));
    }

    public ScenarioControl stepsPerSecond(String classType, double rate) {
        return timing(TimingRule.forClass(classType, null, rate));
    }

    /** Steps override for a class, e.g. a 3,000-step trainer whatever its input says. */
    public ScenarioControl steps(String classType, int steps) {
        return timing(new TimingRule(null, null, classType, null, null, null, steps));
    }

    public List<TimingRule> timings() {
        return List.copyOf(rules);
    }

    // ------------------------------------------------------------------ ExecutionScript

    @Override
    public NodeTiming timing(String promptId, String nodeId, String classType, String behaviour) {
        NodeTiming t = NodeTiming.defaultFor(behaviour, classType);
        for (TimingRule r : rules) {
            if (r.matches(promptId, nodeId, classType, behaviour)) {
                t = t.apply(r);
            }
        }
        return t;
    }

    @Override
    public NodeFailure failureAtStart(String promptId, String nodeId, String classType) {
        Fault.ExecutionError e = faults.errorAtStart(promptId, nodeId, classType);
        return e == null ? null : new NodeFailure(e.exceptionType(), e.exceptionMessage());
    }

    @Override
    public NodeFailure failureAtStep(String promptId, String nodeId, String classType, int step) {
        Fault.ExecutionError e = faults.errorAtStep(promptId, nodeId, classType, step);
        return e == null ? null : new NodeFailure(e.exceptionType(), e.exceptionMessage());
    }

    @Override
    public String blockerMessage(String promptId, String nodeId, String classType) {
        Fault.ExecutionBlocked b = faults.blocker(promptId, nodeId, classType);
        return b == null ? null : b.message();
    }

    @Override
    public boolean interruptAtStep(String promptId, String nodeId, int step) {
        return faults.interruptAt(promptId, nodeId, step);
    }

    @Override
    public double historyWriteDelayMs(String promptId) {
        return faults.historyDelayMs(promptId);
    }

    @Override
    public boolean previews() {
        return previews;
    }

    @Override
    public boolean progressState() {
        return version.atLeast0345();
    }
}
