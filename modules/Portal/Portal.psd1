@{
    RootModule           = 'Portal.PowerShell.dll'
    # Imported first: loads the client and its libraries from lib/ into the module's own load context.
    NestedModules        = @('Portal.PowerShell.Isolation.dll')
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f7f0e-6a53-4d55-9b2f-2f5f4b0c7a11'
    Author               = 'Portal'
    CompanyName          = 'Portal'
    Copyright            = '(c) Portal. All rights reserved.'
    Description          = 'The Portal model lifecycle from PowerShell: datasets, training runs watched live and exported to ONNX, the model registry and evaluations of its versions, promotions and their approvals, compression (pruning, int8, distillation), inference and deployment metrics, the audit log and API keys.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    TypesToProcess       = @('Portal.Types.ps1xml')
    FormatsToProcess     = @('Portal.Format.ps1xml')
    CmdletsToExport      = @(
        'Approve-PortalPromotion'
        'Connect-Portal'
        'Deny-PortalPromotion'
        'Disconnect-Portal'
        'Export-PortalRun'
        'Get-PortalApiKey'
        'Get-PortalAuditEvent'
        'Get-PortalDataset'
        'Get-PortalDeploymentMetric'
        'Get-PortalModel'
        'Get-PortalModelVersion'
        'Get-PortalPromotion'
        'Get-PortalRun'
        'Import-PortalDataset'
        'Import-PortalModelVersion'
        'Invoke-PortalCompression'
        'Invoke-PortalInference'
        'New-PortalApiKey'
        'New-PortalModel'
        'Register-PortalModelVersion'
        'Remove-PortalApiKey'
        'Start-PortalEvaluation'
        'Start-PortalTraining'
        'Stop-PortalPromotion'
        'Stop-PortalRun'
        'Submit-PortalPromotion'
        'Undo-PortalPromotion'
        'Wait-PortalRun'
        'Watch-PortalRun'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('MLOps', 'ModelRegistry', 'Portal')
        }
    }
}
