using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EvaluationAndExportJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ExportJobId",
                table: "Runs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OnnxArtifact",
                table: "Runs",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Evaluations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    VersionId = table.Column<Guid>(type: "uuid", nullable: false),
                    DatasetId = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Accuracy = table.Column<double>(type: "double precision", nullable: true),
                    ReportJson = table.Column<string>(type: "text", nullable: true),
                    CompletedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Evaluations", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PromotionRequests_OnePendingPerAlias",
                table: "PromotionRequests",
                columns: new[] { "ModelId", "Alias" },
                unique: true,
                filter: "\"State\" = 'Pending'");

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_JobId",
                table: "Evaluations",
                column: "JobId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_VersionId_CreatedAt",
                table: "Evaluations",
                columns: new[] { "VersionId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Evaluations");

            migrationBuilder.DropIndex(
                name: "IX_PromotionRequests_OnePendingPerAlias",
                table: "PromotionRequests");

            migrationBuilder.DropColumn(
                name: "ExportJobId",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "OnnxArtifact",
                table: "Runs");
        }
    }
}
