package io.comfyrun.fake.scenario;

import io.comfyrun.fake.scenario.Fault.ExecutionBlocked;
import io.comfyrun.fake.scenario.Fault.ExecutionError;
import io.comfyrun.fake.scenario.Fault.HistoryDelay;
import io.comfyrun.fake.scenario.Fault.HttpAction;
import io.comfyrun.fake.scenario.Fault.HttpFault;
import io.comfyrun.fake.scenario.Fault.Interrupt;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.Fault.WsFault;
import io.comfyrun.fake.scenario.Fault.WsRefuseUpgrade;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The faults installed at runtime, with how often each has matched and fired. Thread-safe. The fluent
 * methods are shorthands for {@link #add(Fault)}:
 *
 * <pre>{@code
 * fake.faults().executionErrorAt("10", "safetensors._safetensors_rust.SafetensorError", "header too large");
 * fake.faults().wsDrop(Trigger.onEvent("progress", 3).forClient("c1"), WsAction.RST, 2_000);
 * fake.faults().http(Trigger.onRoute("GET", "/history/*"), HttpAction.STATUS, 502);
 * }</pre>
 */
public final class FaultControl {

    /** One installed fault and its counters. */
    public static final class Installed {
        private final long id;
        private final Fault fault;
        private final long installedAtNanos = System.nanoTime();
        private int matched;
        private int fired;

        Installed(long id, Fault fault) {
            this.id = id;
            this.fault = fault;
        }

        public long id() {
            return id;
        }

        public Fault fault() {
            return fault;
        }

        public synchronized int fired() {
            return fired;
        }

        public long installedAtNanos() {
            return installedAtNanos;
        }

        boolean exhausted() {
            return fault.times() >= 0 && fired >= fault.times();
        }

        /** Counts a match; fires when the trigger's count is reached and times remain. */
        boolean matchAndFire() {
            if (exhausted()) {
                return false;
            }
            matched++;
            if (matched >= fault.trigger().count()) {
                fired++;
                return true;
            }
            return false;
        }
    }

    private final List<Installed> installed = new ArrayList<>();
    private long nextId = 1;
    private volatile Consumer<Installed> onInstall = i -> { };
    private volatile java.util.function.BiConsumer<Fault, String> onFire = (f, d) -> { };

    public void onInstall(Consumer<Installed> listener) {
        this.onInstall = listener;
    }

    public void onFire(java.util.function.BiConsumer<Fault, String> listener) {
        this.onFire = listener;
    }

    public Installed add(Fault fault) {
        Installed i;
        synchronized (this) {
            i = new Installed(nextId++, fault);
            installed.add(i);
        }
        onInstall.accept(i);
        return i;
    }

    /** The id of the fault installed last (0 if none ever was); ids only grow, also across {@link #clear()}. */
    public synchronized long lastId() {
        return nextId - 1;
    }

    public synchronized void clear() {
        installed.clear();
    }

    public synchronized boolean remove(long id) {
        return installed.removeIf(i -> i.id == id);
    }

    public synchronized List<Installed> list() {
        return List.copyOf(installed);
    }

    // ------------------------------------------------------------------ fluent shorthands

    public Installed executionErrorAt(String nodeId, String exceptionType, String message) {
        return add(new ExecutionError(Trigger.atNode(nodeId), 1, exceptionType, message));
    }

    public Installed executionErrorAtStep(String nodeId, int step, String exceptionType, String message) {
        return add(new ExecutionError(Trigger.atStep(nodeId, step), 1, exceptionType, message));
    }

    public Installed executionBlockedAt(String nodeId, String message) {
        return add(new ExecutionBlocked(Trigger.atNode(nodeId), 1, message));
    }

    public Installed interruptAtStep(String nodeId, int step) {
        return add(new Interrupt(Trigger.atStep(nodeId, step), 1));
    }

    public Installed historyDelay(double virtualMs) {
        return add(new HistoryDelay(Trigger.any(), 1, virtualMs));
    }

    public Installed ws(Trigger trigger, WsAction action) {
        return add(new WsFault(trigger, 1, action, null, null, null, null, null));
    }

    public Installed wsDrop(Trigger trigger, WsAction action, double refuseReconnectMs) {
        return add(new WsFault(trigger, 1, action, null, null, refuseReconnectMs, null, null));
    }

    public Installed refuseUpgrades(int times, int status) {
        return add(new WsRefuseUpgrade(Trigger.any(), times, status, null));
    }

    public Installed http(Trigger trigger, HttpAction action, Integer statusOrBytes) {
        return add(new HttpFault(trigger, 1, action,
                action == HttpAction.STATUS ? statusOrBytes : null, null,
                action == HttpAction.TRUNCATE ? statusOrBytes : null));
    }

    public Installed httpDelay(Trigger trigger, double virtualMs) {
        return add(new HttpFault(trigger, 1, HttpAction.DELAY, null, virtualMs, null));
    }

    public Installed restartAt(Trigger trigger) {
        return add(new Fault.Restart(trigger, 1));
    }

    // ------------------------------------------------------------------ queries (the engine asks)

    /** For the wire layer: the first live fault of this type that matches and reaches its count. */
    public <F extends Fault> F fireMatching(Class<F> type, Predicate<F> match, String detail) {
        return fire(type, match, detail);
    }

    /** When this fault object was installed (nanoTime), for time windows. */
    public synchronized long installedAt(Fault f) {
        for (Installed i : installed) {
            if (i.fault == f) {
                return i.installedAtNanos;
            }
        }
        return Long.MIN_VALUE / 2;
    }

    /** The first live fault of this type whose predicate matches and whose count is reached. */
    synchronized <F extends Fault> F fire(Class<F> type, Predicate<F> match, String detail) {
        for (Installed i : installed) {
            if (type.isInstance(i.fault) && !i.exhausted() && match.test(type.cast(i.fault))) {
                if (i.matchAndFire()) {
                    onFire.accept(i.fault, detail);
                    return type.cast(i.fault);
                }
            }
        }
        return null;
    }

    public ExecutionError errorAtStart(String promptId, String nodeId, String classType) {
        return fire(ExecutionError.class, f -> f.trigger().atStep() == null
                && f.trigger().matchesNode(promptId, nodeId, classType), "node " + nodeId + " of " + promptId);
    }

    public ExecutionError errorAtStep(String promptId, String nodeId, String classType, int step) {
        return fire(ExecutionError.class, f -> f.trigger().atStep() != null && f.trigger().atStep() == step
                && f.trigger().matchesNode(promptId, nodeId, classType),
                "node " + nodeId + " step " + step + " of " + promptId);
    }

    public ExecutionBlocked blocker(String promptId, String nodeId, String classType) {
        return fire(ExecutionBlocked.class, f -> f.trigger().matchesNode(promptId, nodeId, classType),
                "node " + nodeId + " of " + promptId);
    }

    public boolean interruptAt(String promptId, String nodeId, int step) {
        return fire(Interrupt.class, f -> f.trigger().matchesNode(promptId, nodeId, null)
                && (f.trigger().atStep() == null || f.trigger().atStep() == step),
                "node " + nodeId + " step " + step + " of " + promptId) != null;
    }

    public double historyDelayMs(String promptId) {
        HistoryDelay d = fire(HistoryDelay.class, f -> f.trigger().promptId() == null
                || f.trigger().promptId().equals(promptId), "prompt " + promptId);
        return d == null ? 0 : d.delayMs();
    }

    public HttpFault httpFault(String method, String route) {
        return fire(HttpFault.class, f -> f.trigger().afterMs() == null && f.trigger().matchesRoute(method, route),
                method + " " + route);
    }
}
