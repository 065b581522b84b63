package hudson.model;

/** Mirror of jenkins-core 2.479 {@code hudson.model.Describable}: getDescriptor() is abstract there. */
public interface Describable<T extends Describable<T>> {
    Descriptor<T> getDescriptor();
}
