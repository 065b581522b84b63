package hudson.model;

/** Mirror of jenkins-core {@code hudson.model.Queue}: only the nested {@code Task} type is used. */
public class Queue {
    private Queue() {
        // never instantiated: only the nested Task type is mirrored (the real constructor takes a LoadBalancer)
    }

    /** Real: {@code public interface Task extends ModelObject, SubTask}. */
    public interface Task extends ModelObject {
    }
}
