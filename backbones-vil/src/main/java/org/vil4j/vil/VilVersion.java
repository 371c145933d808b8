package org.vil4j.vil;

import org.vil4j.api.Vil4jException;

/** The two official model classes. */
public enum VilVersion {
    /** {@code VisionLSTM}: single sub-blocks alternating direction, causal 1-D conv, no biases, bilateral_avg. */
    V1("VisionLSTM"),
    /** {@code VisionLSTM2}: block pairs, 2-D depthwise conv, optional biases, bilateral_flatten. */
    V2("VisionLSTM2");

    private final String referenceClass;

    VilVersion(String referenceClass) {
        this.referenceClass = referenceClass;
    }

    /** The class name in the reference code (the golden files' {@code ctor}). */
    public String referenceClass() {
        return referenceClass;
    }

    public static VilVersion ofReferenceClass(String name) {
        for (VilVersion v : values()) {
            if (v.referenceClass.equals(name)) {
                return v;
            }
        }
        throw new Vil4jException("unknown model class '" + name + "' (known: VisionLSTM, VisionLSTM2)");
    }
}
