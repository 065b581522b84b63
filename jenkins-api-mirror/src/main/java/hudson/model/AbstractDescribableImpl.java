package hudson.model;

import jenkins.model.Jenkins;

/** Mirror of jenkins-core {@code hudson.model.AbstractDescribableImpl}. */
public abstract class AbstractDescribableImpl<T extends AbstractDescribableImpl<T>> implements Describable<T> {
    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<T> getDescriptor() {
        // real getDescriptor: Jenkins.get().getDescriptorOrDie(getClass())
        return (Descriptor<T>) Jenkins.get().getDescriptorOrDie(getClass());
    }
}
