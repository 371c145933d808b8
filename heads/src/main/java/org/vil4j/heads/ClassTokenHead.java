package org.vil4j.heads;

import org.vil4j.api.Vil4jException;

/**
 * Pools the first class token: [B, D] (DeiT-III's classifier, which reads {@code x[:, 0]} whatever the number of
 * class tokens). Refuses a backbone without class tokens (every token a patch).
 */
public final class ClassTokenHead extends SingleTokenHead {
    @Override
    public String name() {
        return "class_token";
    }

    @Override
    public String description() {
        return "the first class token, [B, D] (ViT/DeiT classification)";
    }

    @Override
    int token(int s, int patches) {
        if (s <= patches) {
            throw new Vil4jException("head class_token: the backbone has no class tokens (" + s + " tokens, all "
                    + "patches); choose another pooling (first, mean, bilateral_avg, ...)");
        }
        return 0;
    }
}
