package hudson.model;

/**
 * Mirror of jenkins-core {@code hudson.model.Api}: an object's remote API at {@code .../api/} (json, xml, python), built
 * by Stapler from the bean's {@code @Exported} members. The real class extends {@code AbstractModelObject} and
 * serves {@code doJson}/{@code doXml}/...; the mirror has only the constructor and the bean, which is all a plugin
 * calls.
 */
public class Api {
    /** The model object exposed. */
    public final Object bean;

    public Api(Object bean) {
        // real constructor: keeps the bean
        this.bean = bean;
    }
}
