package org.vil4j.training.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model file carries beside the weights and the config: how to preprocess an image, what the classes are
 * called, and where the model came from.
 *
 * @param preprocessing input size, channels, resize rule and normalisation
 * @param classNames    one name per output, index = class (empty for a feature model)
 * @param provenance    dataset, recipe, epoch, accuracy or source file: JSON values (maps, lists, strings, numbers)
 *                      in the order they are to be written
 */
public record ModelInfo(Preprocessing preprocessing, List<String> classNames, Map<String, Object> provenance) {
    public ModelInfo {
        classNames = List.copyOf(classNames);
        provenance = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    }
}
