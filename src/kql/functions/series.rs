//! Series functions: `series_*`, element-wise arithmetic, fitting, filtering, decomposition
//! and statistics over dynamic arrays.

use super::*;

/// Series functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const SERIES: &[Function] = &[
    // series_abs(series: DynamicArray)
    Function { name: "series_abs", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Arg(0))] },
    // series_acos(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_acos", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_add(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArray
    // series_add(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArray
    // series_add(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_add", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_asin(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_asin", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_atan(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_atan", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_ceiling(series: DynamicArray)
    Function { name: "series_ceiling", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Arg(0))] },
    // series_cos(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_cos", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_cosine_similarity(series1: DynamicArray, series2: DynamicArray, series1_magnitude: real?,
    //     series2_magnitude: real?)
    Function { name: "series_cosine_similarity", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA, R, R], 2, Returns::Fixed(Type::Real)),
    ] },
    // series_decompose(series: DynamicArray, period: Integer?, trend: string?, test_points: Integer?,
    //     seasonality_threshold: Number?) -- several columns (a tuple): columns series_decompose_<arg>_{baseline,
    //     seasonal, trend, residual} (dynamic arrays)
    Function { name: "series_decompose", kind: Kind::Scalar, signatures: &[
        sig(&[DA, INT, S, INT, NUM], 1, Returns::Unknown),
    ] },
    // series_decompose_anomalies(series: DynamicArray, threshold: Number?, period: Integer?, trend: string?,
    //     test_points: Integer?, method: string?, seasonality_threshold: Number?) -- several columns (a tuple):
    //     columns series_decompose_anomalies_<arg>_{ad_flag, ad_score, baseline} (dynamic arrays)
    Function { name: "series_decompose_anomalies", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM, INT, S, INT, S, NUM], 1, Returns::Unknown),
    ] },
    // series_decompose_forecast(series: DynamicArray, test_points: Integer, period: Integer?, trend: string?,
    //     seasonality_threshold: Number?) -- several columns (a tuple): columns
    //     series_decompose_forecast_<arg>_{baseline, seasonal, trend, residual} (dynamic arrays)
    Function { name: "series_decompose_forecast", kind: Kind::Scalar, signatures: &[
        sig(&[DA, INT, INT, S, NUM], 2, Returns::Unknown),
    ] },
    // series_divide(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    // series_divide(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfReal
    // series_divide(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_divide", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_dot_product(series1: DynamicArray, series2: DynamicArray)
    // series_dot_product(series1: DynamicArray, series2: Number)
    // series_dot_product(series1: Number, series2: DynamicArray)
    Function { name: "series_dot_product", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Real)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Real)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Real)),
    ] },
    // series_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_exp(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_exp", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_fft(series: DynamicArray, series_imaginary: DynamicArray?) -- several columns (a tuple): columns
    //     series_fft_<arg>_{real, imag} (dynamic arrays of real)
    Function { name: "series_fft", kind: Kind::Scalar, signatures: &[sig(&[DA, DA], 1, Returns::Unknown)] },
    // series_fill_backward(series: DynamicArray, missing_value_placeholder: Number?)
    Function { name: "series_fill_backward", kind: Kind::Scalar, signatures: &[sig(&[DA, NUM], 1, Returns::Arg(0))] },
    // series_fill_const(series: DynamicArray, constant_value: Number?, missing_value_placeholder: Number?)
    Function { name: "series_fill_const", kind: Kind::Scalar, signatures: &[sig(&[DA, NUM, NUM], 1, Returns::Arg(0))] },
    // series_fill_forward(series: DynamicArray, missing_value_placeholder: Number?)
    Function { name: "series_fill_forward", kind: Kind::Scalar, signatures: &[sig(&[DA, NUM], 1, Returns::Arg(0))] },
    // series_fill_linear(series: DynamicArray, missing_value_placeholder: Number?, fill_edges: bool?,
    //     constant_value: Number?)
    Function { name: "series_fill_linear", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM, B, NUM], 1, Returns::Arg(0)),
    ] },
    // series_fir(series: DynamicArray, filter: DynamicArray, normalize: bool?, center: bool?) -- Kusto.Language:
    //     DynamicArrayOfReal
    Function { name: "series_fir", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA, B, B], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_fit_2lines(array: DynamicArray) -- several columns (a tuple): columns
    //     series_fit_2lines_<arg>_{rsquare, split_idx: long, variance, rvariance, line_fit: dynamic,
    //     right_/left_{rsquare, slope, interception, variance, rvariance}} (real unless noted)
    Function { name: "series_fit_2lines", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Unknown)] },
    // series_fit_2lines_dynamic(series: DynamicArray) -- bag with the series_fit_2lines properties
    Function { name: "series_fit_2lines_dynamic", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_fit_line(series: DynamicArray) -- several columns (a tuple): columns
    //     series_fit_line_<arg>_{rsquare, slope, variance, rvariance, interception: real, line_fit: dynamic}
    Function { name: "series_fit_line", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Unknown)] },
    // series_fit_line_dynamic(series: DynamicArray) -- bag {rsquare, slope, variance, rvariance, interception,
    //     line_fit}
    Function { name: "series_fit_line_dynamic", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_fit_poly(y_series: DynamicArray, x_series: DynamicArray?, degree: int?) -- several columns (a
    //     tuple): columns series_fit_poly_<arg>_{rsquare: real, coefficients: dynamic, variance: real, rvariance:
    //     real, poly_fit: dynamic}
    Function { name: "series_fit_poly", kind: Kind::Scalar, signatures: &[sig(&[DA, DA, I32], 1, Returns::Unknown)] },
    // series_floor(series: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_floor", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_greater(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_greater(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_greater(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_greater", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_greater_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_greater_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_greater_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_greater_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_ifft(series: DynamicArray, series_imaginary: DynamicArray?) -- several columns (a tuple): columns
    //     series_ifft_<arg>_{real, imag} (dynamic arrays of real)
    Function { name: "series_ifft", kind: Kind::Scalar, signatures: &[sig(&[DA, DA], 1, Returns::Unknown)] },
    // series_iir(series: DynamicArray, numerators: DynamicArray, denominators: DynamicArray) -- Kusto.Language:
    //     DynamicArrayOfReal
    Function { name: "series_iir", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA, DA], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_less(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_less(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_less(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_less", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_less_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_less_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_less_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_less_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_log(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_log", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_magnitude(series: DynamicArray)
    Function { name: "series_magnitude", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Real))] },
    // series_multiply(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArray
    // series_multiply(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArray
    // series_multiply(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_multiply", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_not_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_not_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_not_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_not_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_outliers(series: DynamicArray, kind: string?, ignore_val: Number?)
    // series_outliers(series: DynamicArray, kind: string, ignore_val: real, min_percentile: real,
    //     max_percentile: real?, test_points: Integer?)
    Function { name: "series_outliers", kind: Kind::Scalar, signatures: &[
        sig(&[DA, S, NUM], 1, Returns::Arg(0)),
        sig(&[DA, S, R, R, R, INT], 4, Returns::Arg(0)),
    ] },
    // series_pearson_correlation(series1: DynamicArray, series2: DynamicArray)
    Function { name: "series_pearson_correlation", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Real)),
    ] },
    // series_periods_detect(series: DynamicArray, min_period: Number, max_period: Number, num_periods: long) --
    //     several columns (a tuple): columns series_periods_detect_<arg>_{periods, scores} (dynamic arrays of real)
    Function { name: "series_periods_detect", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM, NUM, L], 4, Returns::Unknown),
    ] },
    // series_periods_validate(series: DynamicArray, period: Number{1..16}) -- several columns (a tuple): columns
    //     series_periods_validate_<arg>_{periods, scores} (dynamic arrays of real)
    Function { name: "series_periods_validate", kind: Kind::Scalar, signatures: &[
        rep(&[DA], 2, NUM, 17, Returns::Unknown),
    ] },
    // series_pow(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    // series_pow(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfReal
    // series_pow(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_pow", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_product(series: DynamicArray)
    Function { name: "series_product", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Real))] },
    // series_seasonal(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    // series_seasonal(series: DynamicArray, period: Integer) -- Kusto.Language: DynamicArrayOfReal
    // series_seasonal(series: DynamicArray, period: Integer, test_points: Integer) -- Kusto.Language:
    //     DynamicArrayOfReal
    Function { name: "series_seasonal", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, INT], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, INT, INT], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_sign(series: DynamicArray) -- Kusto.Language: DynamicArrayOfLong
    Function { name: "series_sign", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_sin(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_sin", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_stats(series: DynamicArray, ignore_nonfinite: bool constant?) -- several columns (a tuple): columns
    //     series_stats_<arg>_{min: real, min_idx: long, max: real, max_idx: long, avg: real, stdev: real, variance:
    //     real}
    Function { name: "series_stats", kind: Kind::Scalar, signatures: &[sig(&[DA, CONST_B], 1, Returns::Unknown)] },
    // series_stats_dynamic(series: DynamicArray, ignore_nonfinite: bool constant?) -- bag {min, min_idx, max,
    //     max_idx, avg, stdev, variance}
    Function { name: "series_stats_dynamic", kind: Kind::Scalar, signatures: &[
        sig(&[DA, CONST_B], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_subtract(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArray
    // series_subtract(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArray
    // series_subtract(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_subtract", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_sum(series: DynamicArray)
    Function { name: "series_sum", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Real))] },
    // series_tan(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_tan", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
];
