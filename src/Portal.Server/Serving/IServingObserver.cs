namespace Portal.Server.Serving;

/// <summary>Sees every successful merged run of every deployment; registered as a singleton, called on the batching thread.</summary>
public interface IServingObserver
{
    /// <summary>Must return quickly and copy whatever it keeps: the batch's buffers are reused after the call.</summary>
    void Observe(ServedBatch batch);
}
