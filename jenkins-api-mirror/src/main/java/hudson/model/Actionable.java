package hudson.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Mirror of jenkins-core {@code hudson.model.Actionable}, with the real in-memory behaviour (a copy-on-write list). */
public abstract class Actionable {
    private final List<Action> actions = new CopyOnWriteArrayList<>();

    public List<Action> getActions() {
        return actions;
    }

    public List<? extends Action> getAllActions() {
        return Collections.unmodifiableList(actions);
    }

    public void addAction(Action a) {
        if (a == null) {
            throw new IllegalArgumentException("Action must be non-null");
        }
        actions.add(a);
    }

    public boolean removeAction(Action a) {
        return a != null && actions.remove(a);
    }

    public <T extends Action> T getAction(Class<T> type) {
        for (Action a : actions) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }

    public <T extends Action> List<T> getActions(Class<T> type) {
        List<T> r = new ArrayList<>();
        for (Action a : actions) {
            if (type.isInstance(a)) {
                r.add(type.cast(a));
            }
        }
        return Collections.unmodifiableList(r);
    }
}
