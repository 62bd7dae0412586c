namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>
/// An independent float64 DeltaNet: plain arrays, one token at a time, straight from the definition
/// (beta_t = sigmoid(k_t . w_b + b_b) from the raw key, k and q L2-normalised, S_t = S_{t-1} + beta_t k_t (v_t - S_{t-1}^T k_t)^T,
/// o_t = q_t^T S_t). Shares no code with the runtime's mixer.
/// </summary>
public static class DeltaNetReference
{
    /// <summary>Outputs [batch, heads, time, d] for q [batch, heads, time, d], k and v [batch, kv_heads, time, d].</summary>
    public static double[,,,] Run(double[,,,] q, double[,,,] k, double[,,,] v, double[,] betaWeight, double[] betaBias, double eps)
    {
        int batch = q.GetLength(0), heads = q.GetLength(1), time = q.GetLength(2), d = q.GetLength(3), kvHeads = k.GetLength(1);
        int group = heads / kvHeads;
        var output = new double[batch, heads, time, d];
        for (int b = 0; b < batch; b++)
        {
            for (int g = 0; g < kvHeads; g++)
            {
                var s = new double[d, d];
                for (int t = 0; t < time; t++)
                {
                    double logit = betaBias[g];
                    for (int i = 0; i < d; i++) logit += k[b, g, t, i] * betaWeight[g, i];
                    double beta = 1 / (1 + Math.Exp(-logit));
                    var key = Normalised(k, b, g, t, d, eps);
                    var update = new double[d];
                    for (int j = 0; j < d; j++)
                    {
                        double predicted = 0;
                        for (int i = 0; i < d; i++) predicted += s[i, j] * key[i];
                        update[j] = beta * (v[b, g, t, j] - predicted);
                    }
                    for (int i = 0; i < d; i++)
                        for (int j = 0; j < d; j++) s[i, j] += key[i] * update[j];
                    for (int h = g * group; h < (g + 1) * group; h++)
                    {
                        var query = Normalised(q, b, h, t, d, eps);
                        for (int j = 0; j < d; j++)
                        {
                            double sum = 0;
                            for (int i = 0; i < d; i++) sum += query[i] * s[i, j];
                            output[b, h, t, j] = sum;
                        }
                    }
                }
            }
        }
        return output;
    }

    static double[] Normalised(double[,,,] x, int b, int h, int t, int d, double eps)
    {
        double squares = 0;
        for (int i = 0; i < d; i++) squares += x[b, h, t, i] * x[b, h, t, i];
        double scale = 1 / Math.Sqrt(squares + eps);
        var result = new double[d];
        for (int i = 0; i < d; i++) result[i] = x[b, h, t, i] * scale;
        return result;
    }

    /// <summary>A float64 tensor's values as an array.</summary>
    public static double[,,,] Array4(Tensor x)
    {
        var shape = x.shape;
        var flat = x.contiguous().data<double>().ToArray();
        var result = new double[shape[0], shape[1], shape[2], shape[3]];
        System.Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }

    /// <summary>A float64 [rows, cols] tensor as an array.</summary>
    public static double[,] Array2(Tensor x)
    {
        var flat = x.contiguous().data<double>().ToArray();
        var result = new double[x.shape[0], x.shape[1]];
        System.Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }
}
