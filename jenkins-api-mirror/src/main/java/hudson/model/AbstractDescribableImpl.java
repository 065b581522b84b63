package hudson.model;

import io.comfyrun.mirror.MirrorJenkins;

/**
 * Mirror of jenkins-core {@code hudson.model.AbstractDescribableImpl}. The real one asks Jenkins for the
 * descriptor of {@code getClass()}; the mirror looks among {@link MirrorJenkins#register registered} descriptors.
 */
public abstract class AbstractDescribableImpl<T extends AbstractDescribableImpl<T>> implements Describable<T> {
    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<T> getDescriptor() {
        // real getDescriptor: Jenkins.getDescriptorOrDie(getClass()): the registered one, AssertionError if none
        for (Object o : MirrorJenkins.extensions()) {
            if (o instanceof Descriptor<?> d && d.clazz == getClass()) {
                return (Descriptor<T>) d;
            }
        }
        throw new AssertionError(getClass() + " is missing its descriptor");
    }
}
