package hudson.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Mirror of jenkins-core {@code hudson.model.Actionable}: the persisted actions (real: a CopyOnWriteArrayList). */
public abstract class Actionable {
    private final List<Action> actions = new CopyOnWriteArrayList<>();

    public List<Action> getActions() {
        // real getActions (deprecated): the live list of persisted actions
        return actions;
    }

    public List<? extends Action> getAllActions() {
        // real getAllActions: persisted actions plus those of TransientActionFactory (none here), unmodifiable
        return Collections.unmodifiableList(actions);
    }

    public void addAction(Action a) {
        // real addAction: IllegalArgumentException for null, else appended
        if (a == null) {
            throw new IllegalArgumentException("Action must be non-null");
        }
        actions.add(a);
    }

    public boolean removeAction(Action a) {
        // real removeAction: false for null, else removes it
        return a != null && actions.remove(a);
    }

    public <T extends Action> T getAction(Class<T> type) {
        // real getAction(Class): the first action of that type (persisted first, then transient: none here)
        for (Action a : actions) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }

    public <T extends Action> List<T> getActions(Class<T> type) {
        // real getActions(Class): every action of that type, unmodifiable
        List<T> r = new ArrayList<>();
        for (Action a : actions) {
            if (type.isInstance(a)) {
                r.add(type.cast(a));
            }
        }
        return Collections.unmodifiableList(r);
    }
}
