package org.kohsuke.stapler.export;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Mirror of Stapler {@code org.kohsuke.stapler.export.Exported}. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.FIELD})
@Documented
public @interface Exported {
    int visibility() default 0;

    String name() default "";

    boolean inline() default false;

    boolean merge() default false;

    String verboseMap() default "";
}
